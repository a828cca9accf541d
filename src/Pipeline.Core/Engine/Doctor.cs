using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Engine;

/// <summary>What <c>pipeline doctor</c> found: versions, devices, and a small op checked on each device.</summary>
public sealed record DoctorReport(
    string DotNetVersion,
    string RuntimeIdentifier,
    string TorchSharpVersion,
    string LibTorchVersion,
    LibTorchSource LibTorchSource,
    string? LibTorchPath,
    int CpuCores,
    int TorchThreads,
    string CpuAllocator,
    IReadOnlyList<DeviceCheck> Devices);

/// <summary>One device and the result of the check op on it.</summary>
public sealed record DeviceCheck(string Device, string Description, double Result, double Expected, double Milliseconds)
{
    public bool Passed => Math.Abs(Result - Expected) <= 1e-6 * Math.Abs(Expected);
}

public static class Doctor
{
    /// <summary>The check op: (½·1)(½·1) for N×N ones is N/4 everywhere, so the sum is N³/4, exact in fp32.</summary>
    public const int CheckSize = 256;

    /// <summary>Loads the backend (throws <see cref="NativeBackendException"/> when it cannot) and checks every device.</summary>
    public static DoctorReport Run()
    {
        TorchRuntime.Initialize();
        var devices = new List<DeviceCheck> { Check(CPU, $"{Environment.ProcessorCount} cores") };
        if (torch.cuda.is_available())
        {
            for (int i = 0; i < torch.cuda.device_count(); i++)
            {
                var props = CudaDriver.TryGetProperties(i);
                string description = props is null ? "CUDA device" : $"{props.Name}, {props.TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
                devices.Add(Check(new Device(DeviceType.CUDA, i), description));
            }
        }

        string? path = TorchRuntime.LoadedLibTorchPath();
        return new DoctorReport(
            Environment.Version.ToString(), RuntimeInformation.RuntimeIdentifier,
            TorchRuntime.TorchSharpVersion, TorchRuntime.LibTorchVersion(path), TorchRuntime.Source, path,
            Environment.ProcessorCount, torch.get_num_threads(), TorchRuntime.DescribeCpuAllocator(), devices);
    }

    /// <summary>Runs a matmul with a known exact result on <paramref name="device"/>; warm-up first, then the mean of 10 timed runs.</summary>
    public static DeviceCheck Check(Device device, string description)
    {
        double expected = Math.Pow(CheckSize, 3) / 4;
        double result = 0;
        using (NewDisposeScope()) result = Op(device);
        var watch = Stopwatch.StartNew();
        const int repeats = 10;
        for (int i = 0; i < repeats; i++)
        {
            using (NewDisposeScope()) result = Op(device);
        }
        return new DeviceCheck(device.ToString(), description, result, expected, watch.Elapsed.TotalMilliseconds / repeats);
    }

    static double Op(Device device)
    {
        var half = full(CheckSize, CheckSize, 0.5f, device: device);
        return matmul(half, half).sum().item<float>(); // item() waits for the device
    }
}
