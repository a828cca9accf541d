using Pipeline.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Engine;

public class TorchRuntimeTests
{
    [Fact]
    public void A_real_autograd_computation_runs_on_the_cpu()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, -2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();

        Assert.Equal(14f, y.item<float>());
        Assert.Equal(new float[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Doctor_checks_the_cpu_with_an_exact_result()
    {
        var report = Doctor.Run();

        var cpu = Assert.Single(report.Devices, d => d.Device == "cpu");
        Assert.Equal(Math.Pow(Doctor.CheckSize, 3) / 4, cpu.Result);
        Assert.True(cpu.Passed);
        Assert.Equal("0.107.0", report.TorchSharpVersion);
        Assert.Equal("2.10.0", report.LibTorchVersion);
    }

    [Fact]
    public void Large_cpu_tensors_go_on_huge_pages_unless_the_user_said_otherwise()
    {
        string allocator = Doctor.Run().CpuAllocator;

        if (!OperatingSystem.IsLinux() || allocator.StartsWith("jemalloc", StringComparison.Ordinal)) return;
        if (Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") is { } own)
            Assert.Contains(own == "1" ? "huge pages" : $"THP_MEM_ALLOC_ENABLE={own}", allocator);
        else
            Assert.Contains("huge pages", allocator);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Cpu_device_names_resolve(string name)
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice(name).type);
    }

    [Theory]
    [InlineData("tpu", "expected cpu, cuda or cuda:N")]
    [InlineData("cuda:x", "cuda:N")]
    public void Bad_device_names_say_what_is_expected(string name, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice(name));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Cuda_without_a_gpu_explains_the_gpu_route()
    {
        if (TorchRuntime.CudaAvailable) return; // a GPU host: nothing to explain
        var e = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("scripts/gpu/run.sh", e.Message);
    }

    [Fact]
    public void A_glibcxx_load_failure_is_explained_with_the_fix()
    {
        const string loader = "Unable to load shared library 'x/libLibTorchSharp.so' or one of its dependencies.: " +
            "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by x/libLibTorchSharp.so)";
        var e = NativeBackendException.Explain(loader, new DllNotFoundException(loader));

        Assert.Contains("GLIBCXX_3.4.32", e.Cause);
        Assert.Contains("dotnet build", e.Fix);
    }

    [Fact]
    public void A_missing_libtorch_points_to_the_gpu_route_and_the_cpu_package()
    {
        const string loader = "libtorch_cpu.so: cannot open shared object file: No such file or directory";
        var e = NativeBackendException.Explain(loader, new DllNotFoundException(loader));

        Assert.Contains("libtorch natives were not found", e.Cause);
        Assert.Contains("scripts/gpu/run.sh", e.Fix);
    }
}
