using Pipeline.Runs;

namespace Pipeline.Tests.Runs;

/// <summary>
/// The redesign of the runtime (model seam, task seam, heads) kept every result: the smoke experiment with seed 1
/// ends with the figures the pre-redesign code printed on CPU (commit e0c9a93, `pipeline run smoke --seed 1`).
/// Class metrics must match exactly; losses within 1e-4, for CPUs whose kernels round differently.
/// The same run then goes through the interop CLI end to end: <c>pipeline export</c> writes it as a PEFT adapter
/// (MiniLM's mean-pool head beside it) and <c>pipeline eval --adapter</c> scores that folder like the run did.
/// </summary>
public class SmokeRegressionTests
{
    [Fact]
    public void The_smoke_run_with_seed_1_ends_with_the_figures_of_the_code_before_the_redesign_and_its_export_scores_the_same()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"run smoke --seed 1 --device cpu --out {dir.Path}");
        Assert.True(code == 0, output);

        var metrics = new RunStore(dir.Path, "smoke", "default", 1).ReadMetrics();
        Assert.Equal(3, metrics.Best.Epoch);
        Assert.Equal(0.5859375, metrics.Best.Metrics["accuracy"]);
        Assert.Equal(0.578125, metrics.Test["accuracy"]);
        Assert.Equal(0.4807692307692308, metrics.Test["f1"], 1e-12);
        Assert.Equal(0.24059990257335526, metrics.Test["mcc"], 1e-12);
        Assert.Equal(0.6654949486255646, metrics.Best.TrainLoss, 1e-4);
        Assert.Equal(0.6790093332529068, metrics.Best.DevLoss, 1e-4);
        Assert.Equal(37_634, metrics.Parameters.Trainable);
        Assert.Contains("head: LinearHead, 770 trainable parameters", output);

        string run = Path.Combine(dir.Path, "smoke", "default", "seed-1"), adapter = Path.Combine(dir.Path, "peft");
        var (exported, exportOutput) = PipelineProcess.Run($"export {run} {adapter}");
        Assert.True(exported == 0, exportOutput);
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")), exportOutput);
        var (evaluated, evalOutput) = PipelineProcess.Run($"eval smoke --adapter {adapter} --device cpu");
        Assert.True(evaluated == 0, evalOutput);
        Assert.Contains("dev: accuracy 0.5859", evalOutput);
        Assert.Contains("test: accuracy 0.5781, f1 0.4808, mcc 0.2406", evalOutput);
    }
}
