using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Pipeline.Engine;

/// <summary>TorchSharp's native backend could not load; the message says why and what to do.</summary>
public sealed class NativeBackendException : Exception
{
    public string Cause { get; }
    public string Fix { get; }

    NativeBackendException(string cause, string fix, Exception inner)
        : base($"TorchSharp's native backend cannot load: {cause}\nFix: {fix}", inner)
    {
        Cause = cause;
        Fix = fix;
    }

    /// <summary>Explains a load failure: TorchSharp's own message hides the loader's error, so ask the loader again.</summary>
    public static NativeBackendException From(Exception e)
    {
        string loaderError = ProbeLibTorchSharp() ?? Flatten(e);
        return Explain(loaderError, e);
    }

    internal static NativeBackendException Explain(string loaderError, Exception inner)
    {
        var glibcxx = Regex.Match(loaderError, @"version .GLIBCXX_[0-9.]+. not found[^\n]*");
        if (glibcxx.Success)
            return new(
                $"the system's libstdc++ is older than the one libLibTorchSharp.so was built with: {glibcxx.Value.Trim()}.",
                "rebuild with `dotnet build`: the build marks that version need weak in the copied library " +
                "(Directory.Build.targets, target WeakenLibTorchSharpVersionNeed). If you copied the app by hand, " +
                "copy the build or publish output, not the NuGet cache's file.", inner);

        if (loaderError.Contains("libtorch", StringComparison.OrdinalIgnoreCase) || loaderError.Contains("libc10", StringComparison.Ordinal)
            || loaderError.Contains("doesn't contain a reference to libtorch", StringComparison.Ordinal))
            return new(
                $"the libtorch natives were not found ({FirstLine(loaderError)}).",
                "for the CPU build run `dotnet build` (it restores the libtorch-cpu package). For the GPU bundle run the app " +
                $"through scripts/gpu/run.sh, which points LD_LIBRARY_PATH and {TorchRuntime.LibTorchDirVariable} at PyTorch's torch/lib " +
                "(or set LIBTORCH_DIR to a libtorch directory).", inner);

        return new($"{FirstLine(loaderError)}",
            "run `pipeline doctor` for details; on Linux `ldd` on libLibTorchSharp.so in the app folder names the missing piece.", inner);
    }

    /// <summary>Loads libLibTorchSharp.so from the app folder directly to capture the dynamic loader's error text.</summary>
    static string? ProbeLibTorchSharp()
    {
        string name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string rid = RuntimeInformation.RuntimeIdentifier;
        foreach (string path in new[] { Path.Combine(AppContext.BaseDirectory, name), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", name) })
        {
            if (!File.Exists(path)) continue;
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(path));
            }
            catch (DllNotFoundException dll)
            {
                return dll.Message;
            }
        }
        return null;
    }

    static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException) parts.Add(x.Message);
        return string.Join(" | ", parts);
    }

    static string FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
