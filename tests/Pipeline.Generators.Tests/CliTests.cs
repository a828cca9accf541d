using Pipeline.Cli.Commands;
using Pipeline.Experiments;

namespace Pipeline.Generators.Tests;

/// <summary>pipeline list / show over the registry the CLI's build generated from experiments/*.yaml.</summary>
public class CliTests
{
    [Fact]
    public void List_shows_every_experiment_with_its_file_model_data_plan_and_variants()
    {
        var output = new StringWriter();
        Assert.Equal(0, ListCommand.Run(output));
        string text = output.ToString();
        Assert.Equal(TestPaths.ExperimentFiles().Count(), ExperimentRegistry.All.Count);
        Assert.Contains("NAME", text);
        foreach (var file in TestPaths.ExperimentFiles()) Assert.Contains("experiments/" + file, text);
        var hiddenKey = text.Split('\n').Single(l => l.StartsWith("table1-hiddenkey ", StringComparison.Ordinal));
        Assert.Contains("all-minilm-l6-v2", hiddenKey);
        Assert.Contains("mr-polarity", hiddenKey);
        Assert.Contains("attention_logits/column@0.1 + hidden/element@0.1, bidirectional_kl w=1", hiddenKey);
        Assert.EndsWith(" 61", hiddenKey.TrimEnd());
        Assert.Contains($"{ExperimentRegistry.All.Count} experiments", text);
    }

    [Fact]
    public void Show_prints_the_resolved_configuration_with_defaults_filled_in()
    {
        var output = new StringWriter();
        Assert.Equal(0, ShowCommand.Run("table1-hiddenkey", "rate=0.05,weight=2", output));
        string text = output.ToString();
        Assert.Contains("variant rate=0.05,weight=2 (", text);
        Assert.Contains("  pooling: mean", text);
        Assert.Contains("  max_length: 64", text);
        Assert.Contains("  targets: [query, value]", text);
        Assert.Contains("  - position: attention_logits\n    pattern: column\n    rate: 0.05", text);
        Assert.Contains("  kind: bidirectional_kl\n  weight: 2\n  branches: one\n  reduction: mean", text);
        Assert.Contains("  learning_rate: 0.0005", text);
        Assert.Contains("  max_grad_norm: 1", text); // a runtime default, not written in the YAML
        Assert.Contains("seeds: [1, 2, 3, 4, 5]", text);
    }

    [Fact]
    public void Show_names_the_closest_experiment_and_the_variants_when_asked_for_an_unknown_one()
    {
        var unknown = Assert.Throws<ArgumentException>(() => ShowCommand.Run("hiddenkey", null, TextWriter.Null));
        Assert.Contains("no experiment named 'hiddenkey'; did you mean", unknown.Message);
        // Every suggestion is an experiment whose name holds the one asked for (table1-…, nlg-…, fullft-… hiddenkey…).
        string mean = unknown.Message[unknown.Message.IndexOf("did you mean", StringComparison.Ordinal)..unknown.Message.IndexOf('?')];
        var suggested = System.Text.RegularExpressions.Regex.Matches(mean, "'([^']+)'").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(suggested);
        Assert.All(suggested, name => Assert.Contains("-hiddenkey", name, StringComparison.Ordinal));
        var variant = Assert.Throws<ArgumentException>(() => ShowCommand.Run("quickstart", "rate=0.3", TextWriter.Null));
        Assert.Contains("has no variant 'rate=0.3'; it has: default", variant.Message);
    }
}
