using System.CommandLine;
using Pipeline.Engine;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline doctor</c>: versions, devices, and a checked op on each device.</summary>
static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check the .NET runtime, TorchSharp and libtorch, and run a small op on every device.");
        command.SetAction(_ => Run());
        return command;
    }

    static int Run()
    {
        Console.WriteLine("pipeline doctor");
        Console.WriteLine($"  .NET        {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier})");
        DoctorReport report;
        try
        {
            report = Doctor.Run();
        }
        catch (NativeBackendException e)
        {
            Console.WriteLine("  TorchSharp  cannot load its native backend");
            Console.WriteLine($"  cause       {e.Cause}");
            Console.WriteLine($"  fix         {e.Fix}");
            return CommandRunner.Failure;
        }

        Console.WriteLine($"  TorchSharp  {report.TorchSharpVersion}");
        string source = report.LibTorchSource == LibTorchSource.Bundled ? "bundled CPU package" : "host libtorch";
        Console.WriteLine($"  libtorch    {report.LibTorchVersion} ({source}){(report.LibTorchPath is null ? "" : $" at {report.LibTorchPath}")}");
        Console.WriteLine($"  CPU         {report.CpuCores} cores, {report.TorchThreads} torch threads");
        Console.WriteLine($"  allocator   {report.CpuAllocator}");
        if (!report.CpuAllocator.StartsWith("jemalloc", StringComparison.Ordinal) && OperatingSystem.IsLinux())
            Console.WriteLine("              faster CPU steps: apt-get install libjemalloc2, then run with " +
                "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 (docs/benchmarks.md)");
        int cuda = report.Devices.Count - 1;
        Console.WriteLine($"  CUDA        {(cuda > 0 ? $"{cuda} device(s)" : "not available")}");
        Console.WriteLine();
        Console.WriteLine($"  device   check: sum(({Doctor.CheckSize}x{Doctor.CheckSize} of 0.5) @ (same))");
        foreach (var d in report.Devices)
        {
            string verdict = d.Passed ? "ok" : "WRONG";
            Console.WriteLine($"  {d.Device,-8} {d.Description}: {d.Result:R} (expected {d.Expected:R}) {verdict}, {d.Milliseconds:F3} ms");
        }
        return report.Devices.All(d => d.Passed) ? 0 : CommandRunner.Failure;
    }
}
