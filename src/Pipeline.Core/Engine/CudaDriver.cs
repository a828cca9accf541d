using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.Engine;

/// <summary>
/// Device names and memory from the CUDA driver API (libcuda, present wherever CUDA runs).
/// TorchSharp exposes neither; the driver's device order is CUDA's, so index N is <c>cuda:N</c>.
/// </summary>
public static class CudaDriver
{
    public sealed record DeviceProperties(int Index, string Name, long TotalMemoryBytes);

    const string Library = "libcuda.so.1";

    [DllImport(Library, EntryPoint = "cuInit")]
    static extern int CuInit(uint flags);

    [DllImport(Library, EntryPoint = "cuDeviceGet")]
    static extern int CuDeviceGet(out int device, int ordinal);

    [DllImport(Library, EntryPoint = "cuDeviceGetName")]
    static extern int CuDeviceGetName([Out] byte[] name, int length, int device);

    [DllImport(Library, EntryPoint = "cuDeviceTotalMem_v2")]
    static extern int CuDeviceTotalMem(out nuint bytes, int device);

    [DllImport(Library, EntryPoint = "cuMemGetInfo_v2")]
    static extern int CuMemGetInfo(out nuint free, out nuint total);

    [DllImport(Library, EntryPoint = "cuProfilerStart")]
    static extern int CuProfilerStart();

    [DllImport(Library, EntryPoint = "cuProfilerStop")]
    static extern int CuProfilerStop();

    /// <summary>
    /// Opens (<paramref name="start"/>) or closes the range an attached CUDA profiler records: Nsight Systems with
    /// <c>--capture-range=cudaProfilerApi</c>, Nsight Compute with <c>--profile-from-start off</c>. Without a profiler
    /// the driver does nothing. Needs the current thread's CUDA context (made by the first CUDA work on it).
    /// </summary>
    public static void ProfilerRange(bool start)
    {
        int status = start ? CuProfilerStart() : CuProfilerStop();
        if (status != 0)
            throw new InvalidOperationException($"cuProfiler{(start ? "Start" : "Stop")} failed with CUDA driver error {status}");
    }

    /// <summary>Device memory in use (total − free) on the current context's device; 0 when the driver cannot tell.</summary>
    public static long UsedMemoryBytes()
    {
        try
        {
            return CuMemGetInfo(out nuint free, out nuint total) == 0 ? (long)total - (long)free : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Properties of CUDA device <paramref name="index"/>, or null when the driver cannot tell.</summary>
    public static DeviceProperties? TryGetProperties(int index)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (CuInit(0) != 0 || CuDeviceGet(out int device, index) != 0) return null;
            return new DeviceProperties(index, Name(device), CuDeviceTotalMem(out nuint bytes, device) == 0 ? (long)bytes : 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    static string Name(int device)
    {
        var buffer = new byte[256];
        if (CuDeviceGetName(buffer, buffer.Length, device) != 0) return "unknown";
        int end = Array.IndexOf(buffer, (byte)0);
        return Encoding.ASCII.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }
}
