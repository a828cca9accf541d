using System.Text.Json.Nodes;
using Pipeline.Runs;

namespace Pipeline.Tests.Runs;

/// <summary>`pattern: head` from YAML (experiments/drophead.yaml) trains the quick start's MiniLM end to end.</summary>
public class DropHeadRunTests
{
    [Fact]
    public void The_drophead_experiment_runs_on_MiniLM_with_the_head_pattern()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"run drophead --seed 1 --device cpu --out {dir.Path}");
        Assert.True(code == 0, output);

        var store = new RunStore(dir.Path, "drophead", "default", 1);
        var drop = JsonNode.Parse(File.ReadAllText(Path.Combine(store.Directory, "config.json")))!["dropout"]![0]!;
        Assert.Equal("attention_logits", drop["position"]!.GetValue<string>());
        Assert.Equal("head", drop["pattern"]!.GetValue<string>(), ignoreCase: true);
        var metrics = store.ReadMetrics();
        Assert.Equal(2, metrics.History.Count);
        Assert.All(metrics.History, h => Assert.True(double.IsFinite(h.TrainLoss) && h.TrainLoss > 0));
    }
}
