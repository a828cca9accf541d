using System.Diagnostics;

namespace Pipeline.Tests.Runs;

/// <summary>Starts the real <c>pipeline</c> command (built with the tests) as a separate process.</summary>
static class PipelineProcess
{
    static readonly string Cli = TestPaths.Metadata("CliAssembly");

    public static ProcessStartInfo StartInfo(string arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Cli}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return start;
    }

    /// <summary>Runs to the end (at most <paramref name="minutes"/>, else it is killed) and returns the exit code and everything it printed.</summary>
    /// <param name="environment">Variables to set for it, beside the ones this process has.</param>
    public static (int Code, string Output) Run(string arguments, IReadOnlyDictionary<string, string>? environment = null, int minutes = 5)
    {
        using var process = Process.Start(StartInfo(arguments, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(minutes)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"pipeline {arguments} did not finish in {minutes} minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
