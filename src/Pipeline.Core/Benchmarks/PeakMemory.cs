using System.Diagnostics;
using Pipeline.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Benchmarks;

/// <summary>
/// The peak of what a benchmark holds: on CPU the process's resident memory; on CUDA the device memory in use
/// (total − free, from the driver), which includes PyTorch's caching allocator — sampled after every step.
/// Also keeps the latest sample, so a caller can see whether memory grows from step to step.
/// </summary>
sealed class PeakMemory(Device device)
{
    readonly int cudaIndex = device.type == DeviceType.CUDA ? Math.Max(0, device.index) : -1;
    public double PeakMegabytes { get; private set; }
    public double LastMegabytes { get; private set; }

    public void Sample()
    {
        double megabytes;
        if (cudaIndex >= 0)
        {
            cuda.synchronize(device);
            megabytes = CudaDriver.UsedMemoryBytes() / (1024.0 * 1024.0);
        }
        else
        {
            using var process = Process.GetCurrentProcess();
            megabytes = process.WorkingSet64 / (1024.0 * 1024.0);
        }
        PeakMegabytes = Math.Max(PeakMegabytes, megabytes);
        LastMegabytes = megabytes;
    }
}

/// <summary>Dense peak TFLOP/s of known devices (vendor datasheets), for MFU; null when unknown (CPUs).</summary>
public static class PeakTflops
{
    public static double? Of(Device device, Models.Precision precision)
    {
        if (device.type != DeviceType.CUDA) return null;
        string name = CudaDriver.TryGetProperties(Math.Max(0, device.index))?.Name ?? "";
        bool bf16 = precision == Models.Precision.BFloat16;
        // SXM parts; fp32 matmuls run as TF32 (Pipeline enables it on CUDA).
        if (name.Contains("H100") || name.Contains("H200")) return bf16 ? 989 : 494;
        if (name.Contains("A100")) return bf16 ? 312 : 156;
        if (name.Contains("L40S")) return bf16 ? 362 : 183;
        return null;
    }
}
