using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Pipeline.Engine;

/// <summary>Where the libtorch natives of this process come from.</summary>
public enum LibTorchSource
{
    /// <summary>The CPU libtorch NuGet package copied beside the app (the default build).</summary>
    Bundled,
    /// <summary>A host's libtorch (PyTorch's <c>torch/lib</c>) named by <c>PIPELINE_LIBTORCH_DIR</c>: the GPU route.</summary>
    External,
}

/// <summary>
/// Loads TorchSharp's native backend once per process and turns device names into devices.
/// Every entry point (CLI, tests) goes through <see cref="Initialize"/> so a load failure is
/// explained (cause and fix) instead of surfacing as a bare TypeInitializationException.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Set by scripts/gpu/run.sh: the directory of the host's libtorch (PyTorch's torch/lib).</summary>
    public const string LibTorchDirVariable = "PIPELINE_LIBTORCH_DIR";

    static readonly Lock Gate = new();
    static bool initialized;

    public static LibTorchSource Source =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LibTorchDirVariable)) ? LibTorchSource.Bundled : LibTorchSource.External;

    /// <summary>
    /// How libtorch's CPU tensors get their memory on Linux (docs/benchmarks.md, "CPU: where a step's time goes"), set
    /// before the first tensor exists. Both settings yield to the user's own environment variable of the same name.
    /// <list type="bullet">
    /// <item>glibc raises its mmap threshold to the size of each large block freed (up to 32 MB), after which tensors of
    /// a few MB come from the heap and fragment it: resident memory then grows step after step with no tensor leaked
    /// (GPT-2 small, HiddenKey: +1,409 MiB over 40 steps; an encoder run on MR with the threshold at 32 MB: 1.3 → 2.1 GB
    /// in 100 steps and still rising). So the threshold is fixed at 1 MiB, as MALLOC_MMAP_THRESHOLD_ does: every larger
    /// tensor is a fresh mapping, returned when freed.</item>
    /// <item>Fresh mappings cost page faults: about 30 % of a MiniLM step on 2 cores was the kernel faulting in 4 KiB
    /// pages. libtorch maps tensors of 2 MB and more on transparent huge pages when THP_MEM_ALLOC_ENABLE is set (it
    /// reads the variable once, at its first allocation — hence setenv here, before TorchSharp loads it): 512 times
    /// fewer faults, the same memory returned on free. Measured: the quick start 1.16× the steps per minute on one
    /// thread, resident memory as flat as before; results bit-identical. Without THP in the kernel ("never") it does
    /// nothing.</item>
    /// </list>
    /// </summary>
    static void ConfigureCpuAllocator()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null)
                mallopt(MmapThreshold, 1 << 20);
            if (Environment.GetEnvironmentVariable(HugePagesVariable) is null)
                setenv(HugePagesVariable, "1", overwrite: 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): its allocator has no such threshold to fix.
        }
    }

    const int MmapThreshold = -3; // M_MMAP_THRESHOLD in malloc.h
    const string HugePagesVariable = "THP_MEM_ALLOC_ENABLE";

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr getenv(string name);

    /// <summary>
    /// For <c>pipeline doctor</c>: the allocator CPU tensors come from in this process — jemalloc when preloaded (the
    /// fastest here, docs/benchmarks.md), else glibc's malloc and whether libtorch puts large tensors on huge pages.
    /// </summary>
    public static string DescribeCpuAllocator()
    {
        Initialize();
        if (!OperatingSystem.IsLinux()) return "the platform's malloc";
        if (File.ReadAllText("/proc/self/maps").Contains("libjemalloc", StringComparison.Ordinal))
            return "jemalloc (preloaded)";
        string? hugePages = Marshal.PtrToStringUTF8(getenv(HugePagesVariable));
        const string Modes = "/sys/kernel/mm/transparent_hugepage/enabled";
        string kernel = File.Exists(Modes) ? File.ReadAllText(Modes).Trim() : "unknown";
        return hugePages == "1"
            ? $"glibc malloc, tensors of 2 MB and more on transparent huge pages (kernel: {kernel})"
            : $"glibc malloc, 4 KiB pages ({HugePagesVariable}={hugePages})";
    }

    /// <summary>
    /// Loads the native backend: CPU always; CUDA too when running on a host's libtorch.
    /// Throws <see cref="NativeBackendException"/> with the cause and the fix when it cannot load.
    /// </summary>
    public static void Initialize()
    {
        lock (Gate)
        {
            if (initialized) return;
            ConfigureCpuAllocator();
            // TorchSharp prints its whole probing trace when a load fails; the exception we throw explains it better.
            var (stdout, stderr) = (Console.Out, Console.Error);
            Console.SetOut(TextWriter.Null);
            Console.SetError(TextWriter.Null);
            try
            {
                // The first touch of torch runs TorchSharp's static constructor, which loads the CPU backend.
                torch.InitializeDeviceType(DeviceType.CPU);
                if (Source == LibTorchSource.External)
                    TryInitializeCuda();
            }
            catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
            {
                throw NativeBackendException.From(e);
            }
            finally
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
            initialized = true;
        }
    }

    static void TryInitializeCuda()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            // fp32 matmuls as TF32 on tensor cores, as PyTorch users enable them for training.
            torch.backends.cuda.matmul.allow_tf32 = true;
            torch.backends.cudnn.allow_tf32 = true;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or DllNotFoundException or ExternalException)
        {
            // A CPU-only PyTorch is a valid host: CUDA simply stays unavailable (doctor says so).
        }
    }

    public static bool CudaAvailable
    {
        get { Initialize(); return torch.cuda.is_available(); }
    }

    /// <summary>
    /// Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null or empty means CUDA when available, else CPU.
    /// </summary>
    public static torch.Device ResolveDevice(string? name)
    {
        Initialize();
        if (string.IsNullOrWhiteSpace(name))
            return CudaAvailable ? torch.CUDA : torch.CPU;

        string spec = name.Trim().ToLowerInvariant();
        if (spec == "cpu")
            return torch.CPU;
        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (spec.Length > 4 && !int.TryParse(spec.AsSpan(5), out index))
                throw new ArgumentException($"device '{name}': expected cuda:N with N a device index");
            if (!CudaAvailable)
                throw new ArgumentException($"device '{name}': CUDA is not available in this process. " +
                    "Run through scripts/gpu/run.sh on a host with PyTorch + CUDA (see docs/gpu.md), or use --device cpu.");
            int count = torch.cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentException($"device '{name}': this host has {count} CUDA device(s), numbered 0..{count - 1}");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{name}': expected cpu, cuda or cuda:N");
    }

    /// <summary>The TorchSharp version (from its assembly).</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The loaded libtorch_cpu library (from the process's memory map), when the OS tells.</summary>
    public static string? LoadedLibTorchPath()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (string line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/');
            if (slash >= 0 && line.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal))
                return line[slash..];
        }
        return null;
    }

    /// <summary>
    /// The libtorch version: PyTorch's <c>torch/version.py</c> next to an external <c>torch/lib</c>;
    /// for the bundled natives, the version of the CPU package this build references.
    /// </summary>
    public static string LibTorchVersion(string? libraryPath)
    {
        string? lib = libraryPath is null ? null : Path.GetDirectoryName(libraryPath);
        string? versionFile = lib is null ? null : Path.Combine(lib, "..", "version.py");
        if (versionFile is not null && File.Exists(versionFile))
        {
            foreach (string line in File.ReadLines(versionFile))
            {
                if (line.StartsWith("__version__", StringComparison.Ordinal))
                    return line.Split('=', 2)[1].Trim().Trim('\'', '"');
            }
        }
        if (Source == LibTorchSource.External)
            return "unknown (no torch/version.py beside the library)";
        return typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LibTorchPackageVersion")?.Value ?? "unknown";
    }
}
