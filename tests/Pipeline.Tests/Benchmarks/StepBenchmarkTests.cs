using Pipeline.Models.Bert;
using Pipeline.Models.Gpt2;
using Pipeline.Benchmarks;
using Pipeline.Models;

namespace Pipeline.Tests.Benchmarks;

public class StepBenchmarkTests
{
    [Fact]
    public void Forward_flops_of_bert_base_count_every_matmul_and_both_attention_products()
    {
        // 12 layers × (4·768² + 2·768·3072) weights; 2 FLOPs per weight per token; q·kᵀ and w·v: 4·layers·L·D per token.
        Assert.Equal(84_934_656, BertConfig.BertBase.MatmulWeights);
        Assert.Equal(2.0 * 84_934_656 * 128 + 4.0 * 12 * 128 * 768 * 128, FlopCount.Forward(BertConfig.BertBase, 1, 128));
        Assert.Equal(3 * FlopCount.Forward(BertConfig.BertBase, 2, 64), FlopCount.Step(BertConfig.BertBase, 2, 64, 1, 1));
    }

    [Fact]
    public void Bench_times_every_plan_with_real_steps_and_counts_the_kl_pass_in_its_flops()
    {
        var report = StepBenchmark.Run(new BenchOptions(Batch: 2, Length: 16, Device: "cpu", Warmup: 1, Steps: 3));

        Assert.Equal(["baseline", "dropkey-column", "hiddenkey"], report.Results.Select(r => r.Plan));
        Assert.Equal(74_498, report.TrainableParameters); // LoRA r=8 on q and v of 6 layers × 384, plus the 2-class head
        foreach (var r in report.Results)
        {
            Assert.True(r.StepMilliseconds > 0 && double.IsFinite(r.FinalLoss) && r.FinalLoss > 0, $"{r.Plan}: {r}");
            Assert.True(r.PeakMemoryMegabytes >= r.LastStepMemoryMegabytes && r.LastStepMemoryMegabytes > 0, $"{r.Plan}: {r}");
            Assert.Null(r.Mfu); // no known peak for a CPU
        }
        // FLOPs per step: baseline 2F (forward + input gradients); HiddenKey adds the no-grad KL pass: 3F.
        double FlopsPerStep(BenchResult r) => r.Tflops * r.StepMilliseconds;
        Assert.Equal(1.5, FlopsPerStep(report.Results[2]) / FlopsPerStep(report.Results[0]), 6);
    }

    [Fact]
    public void A_decoder_shape_trains_a_causal_LM_and_counts_its_LM_head_in_the_flops()
    {
        var report = StepBenchmark.Run(new BenchOptions(Model: "gpt2", Batch: 1, Length: 8, Device: "cpu", Warmup: 0, Steps: 1, Plans: ["baseline"]));
        // LoRA r=8 on the q and v slices of c_attn in 12 layers × 768: 2 adapters × (768·8 + 8·768) per layer; the LM head is tied.
        Assert.Equal(12 * 2 * (768 * 8 + 8 * 768), report.TrainableParameters);
        var r = report.Results[0];
        Assert.True(double.IsFinite(r.FinalLoss) && r.FinalLoss > 0, $"{r}");
        Assert.Equal(2.0 * (Gpt2Config.Small.MatmulWeights + 768L * 50257) * 8 + 4.0 * 12 * 8 * 768 * 8, FlopCount.Forward(Gpt2Config.Small, 1, 8, lmHead: true));
    }

    [Fact]
    public void Phases_split_the_step_only_when_asked()
    {
        var plain = StepBenchmark.Run(new BenchOptions(Batch: 2, Length: 16, Device: "cpu", Warmup: 1, Steps: 1, Plans: ["baseline"]));
        Assert.Null(plain.Results[0].Phases);

        var report = StepBenchmark.Run(new BenchOptions(Batch: 2, Length: 16, Device: "cpu", Warmup: 1, Steps: 2,
            Plans: ["baseline", "hiddenkey"], Phases: true));
        foreach (var r in report.Results)
        {
            var p = r.Phases!;
            Assert.True(p.Forward > 0 && p.Backward > 0 && p.Optimizer > 0, $"{r.Plan}: {p}");
            Assert.Equal(r.StepMilliseconds, p.Forward + p.Backward + p.Optimizer, 6);
        }
    }

    [Theory]
    [InlineData(0, 16, 1)]
    [InlineData(2, 513, 1)]
    [InlineData(2, 16, 0)]
    public void Bench_rejects_shapes_it_cannot_run(int batch, int length, int steps)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            StepBenchmark.Run(new BenchOptions(Batch: batch, Length: length, Device: "cpu", Steps: steps)));
        Assert.Matches("batch|length|steps", error.Message);
    }

    [Fact]
    public void A_profiler_range_needs_a_CUDA_device_and_says_so()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            StepBenchmark.Run(new BenchOptions(Batch: 2, Length: 16, Device: "cpu", Steps: 1, ProfilerRange: true)));
        Assert.Contains("--profiler-range", error.Message);
        Assert.Contains("CUDA device, not cpu", error.Message);
    }
}
