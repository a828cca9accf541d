using Microsoft.CodeAnalysis;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Experiments;

namespace Pipeline.Generators.Tests;

/// <summary>Every file in experiments/: its generated class (snapshot), and the whole set compiled, loaded and checked by the runtime.</summary>
public class ExperimentFilesTests
{
    public static TheoryData<string> Files => new(TestPaths.ExperimentFiles());

    [Theory]
    [MemberData(nameof(Files))]
    public void Generates(string file)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files((file, File.ReadAllText(Path.Combine(TestPaths.ExperimentsDirectory, file)))));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedSources.Length);
        Snapshot.VerifySources(result, $"{nameof(ExperimentFilesTests)}.{nameof(Generates)}_file={Path.GetFileNameWithoutExtension(file)}");
    }

    [Fact]
    public void Registry_lists_every_file()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.RepositoryFiles());
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedSources, s => s.HintName == Emit.RegistryEmitter.HintName);
        Snapshot.VerifySources(result, $"{nameof(ExperimentFilesTests)}.{nameof(Registry_lists_every_file)}", hint => hint == Emit.RegistryEmitter.HintName);
    }

    [Fact]
    public void Generated_code_compiles_against_Pipeline_Core_and_every_variant_passes_the_runtime_validation()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.RepositoryFiles());
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var experiments = GeneratorHarness.LoadRegistry(output);
        Assert.True(experiments.Count >= 15, $"{experiments.Count} experiments");
        Assert.Equal(TestPaths.ExperimentFiles().Count(), experiments.Count);
        foreach (var experiment in experiments)
        {
            Assert.Equal("default", experiment.Variants[0].Variant);
            Assert.StartsWith("experiments/", experiment.SourceFile);
            Assert.Equal(experiment.Variants.Count, experiment.Variants.Select(v => v.Variant).Distinct().Count());
            foreach (var variant in experiment.Variants)
            {
                Assert.Equal(experiment.Name, variant.Name);
                Assert.Empty(variant.Dropout.Validate());
                Assert.Empty(variant.Lora?.Validate() ?? []);
            }
        }
    }

    [Fact]
    public void Quickstart_is_the_calibration_setting()
    {
        var d = Load("quickstart").Variants.Single();
        Assert.Equal("all-minilm-l6-v2", d.Model.Name);
        Assert.Equal(Pipeline.Models.Pooling.Mean, d.Model.Pooling);
        Assert.Equal(("mr-polarity", 64), (d.Task.Dataset, d.Task.MaxLength));
        var lora = Assert.IsType<Pipeline.Lora.LoraOptions>(d.Lora);
        Assert.Equal((8, 16.0), (lora.Rank, lora.Alpha));
        Assert.Equal([Pipeline.Lora.LoraTarget.Query, Pipeline.Lora.LoraTarget.Value], lora.Targets);
        Assert.Equal(Presets.HiddenKey(0.1, 0.1, klWeight: 1).ToString(), d.Dropout.ToString());
        Assert.Equal(new TrainingOptions(Epochs: 12, BatchSize: 32, LearningRate: 5e-4, WeightDecay: 0.1, WarmupRatio: 0.06), d.Training);
        Assert.Equal([1], d.Seeds);
    }

    [Fact]
    public void The_training_set_size_rows_differ_from_the_table1_cpu_rows_only_in_the_sample_size_and_seeds()
    {
        var experiments = GeneratorHarness.LoadRegistry(GeneratorHarness.Run(GeneratorHarness.RepositoryFiles()).Output).ToDictionary(e => e.Name);
        foreach (string method in new[] { "baseline", "hiddenkey-minus", "hiddenkey" })
        {
            var sizes = experiments[$"trainsize-cpu-{method}"].Variants.Where(v => v.Variant != "default").ToList();
            var table1 = experiments[$"table1-cpu-{method}"].Variants.Single(v => v.Variant == "dataset=mr-polarity");
            Assert.Equal(["max_examples=250", "max_examples=500", "max_examples=1000"], sizes.Select(v => v.Variant));
            foreach (var size in sizes)
            {
                Assert.Equal([1, 2, 3], size.Seeds);
                Assert.Equal(table1.Task with { MaxExamples = size.Task.MaxExamples }, size.Task);
                Assert.Equal((table1.Training, table1.Model), (size.Training, size.Model));
                Assert.Equal(table1.Dropout.ToString(), size.Dropout.ToString());   // plan and compensation
                Assert.Equal((table1.Lora!.Rank, table1.Lora.Alpha), (size.Lora!.Rank, size.Lora.Alpha));
                Assert.Equal(table1.Lora.Targets, size.Lora.Targets);
            }
        }
    }

    [Fact]
    public void Table1_rows_carry_the_paper_grids_and_five_seeds()
    {
        double[] rates = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2];
        var experiments = GeneratorHarness.LoadRegistry(GeneratorHarness.Run(GeneratorHarness.RepositoryFiles()).Output)
            .Where(e => e.Name.StartsWith("table1-", StringComparison.Ordinal)).ToList();
        Assert.Equal(17 + 7, experiments.Count);
        Assert.All(experiments, e => Assert.All(e.Variants, v => Assert.Equal([1, 2, 3, 4, 5], v.Seeds)));

        // The CPU-budget rows: six methods, each over the three built-in NLU tasks with the same capped budget, and
        // HiddenKey's KL weight from {0.1, 1, 10}.
        var cpu = experiments.Where(e => e.Name.StartsWith("table1-cpu-", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, cpu.Count);
        foreach (var variant in cpu.SelectMany(e => e.Variants.Where(v => v.Variant != "default")))
        {
            Assert.Equal((320, 250, 6, 2e-3), (variant.Task.MaxExamples, variant.Task.MaxEvalExamples, variant.Training.Epochs, variant.Training.LearningRate));
            Assert.StartsWith($"dataset={variant.Task.Dataset}", variant.Variant);
        }
        var methods = cpu.Where(e => e.Name != "table1-cpu-hiddenkey-kl").ToList();
        Assert.All(methods, e => Assert.Equal(["conll2010-hedge", "debian-sections", "mr-polarity"],
            e.Variants.Where(v => v.Variant != "default").Select(v => v.Task.Dataset).Order()));
        var klGrid = cpu.Single(e => e.Name == "table1-cpu-hiddenkey-kl").Variants.Where(v => v.Variant != "default").ToList();
        Assert.Equal(3 * 3, klGrid.Count);
        foreach (var variant in klGrid)
        {
            double weight = double.Parse(Pipeline.Runs.RunReport.VariantAxes(variant.Variant)["weight"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(weight, new[] { 0.1, 1, 10 });
            Assert.Equal($"dataset={variant.Task.Dataset},weight={weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}", variant.Variant);
            Assert.Equal(Presets.HiddenKey(0.1, 0.1, klWeight: weight).ToString(), variant.Dropout.ToString());
        }

        var dropkeyColumn = experiments.Single(e => e.Name == "table1-dropkey-column");
        Assert.Equal(["default", .. rates.Select(r => $"rate={r.ToString(System.Globalization.CultureInfo.InvariantCulture)}")], dropkeyColumn.Variants.Select(v => v.Variant));
        Assert.Equal(Presets.DropKey(0.05, DropPattern.Column).ToString(), dropkeyColumn.Variants.Single(v => v.Variant == "rate=0.05").Dropout.ToString());

        var hiddenKey = experiments.Single(e => e.Name == "table1-hiddenkey");
        Assert.Equal(1 + 6 * 10, hiddenKey.Variants.Count);
        var point = hiddenKey.Variants.Single(v => v.Variant == "rate=0.15,weight=0.5");
        Assert.Equal(Presets.HiddenKey(0.15, 0.15, klWeight: 0.5).ToString(), point.Dropout.ToString());

        // HiddenKey's two rates: tied in table1-hiddenkey(-minus), searched jointly in the -rates files (6 × 6).
        foreach (var (name, weight) in new[] { ("table1-hiddenkey-rates", (double?)1), ("table1-hiddenkey-minus-rates", null) })
        {
            var separate = experiments.Single(e => e.Name == name);
            Assert.Equal(1 + 6 * 6, separate.Variants.Count);
            var pair = separate.Variants.Single(v => v.Variant == "key_rate=0.02,hidden_rate=0.15").Dropout;
            Assert.Equal((0.02, 0.15), (pair.At(DropPosition.AttentionLogits)!.Rate, pair.At(DropPosition.Hidden)!.Rate));
            Assert.Equal(weight is null ? Presets.HiddenKeyMinus(0.02, 0.15).ToString() : Presets.HiddenKey(0.02, 0.15, klWeight: 1).ToString(), pair.ToString());
        }

        var js = experiments.Single(e => e.Name == "table1-hiddenkey-minus-js");
        Assert.IsType<JsToInference>(js.Variants.Single(v => v.Variant == "weight=10").Dropout.Compensation);
        Assert.Equal(10, js.Variants.Single(v => v.Variant == "weight=10").Dropout.Compensation.Weight);

        var input = experiments.Single(e => e.Name == "table1-hiddenkey-minus-input").Variants.Single(v => v.Variant == "input_rate=0.2").Dropout;
        Assert.Equal(0.2, input.At(DropPosition.Input)!.Rate);
        Assert.Equal(0.1, input.At(DropPosition.Hidden)!.Rate);
        Assert.Equal(DropPattern.Element, experiments.Single(e => e.Name == "table1-hiddenkey-minus-output").Variants[0].Dropout.At(DropPosition.Output)!.Pattern);
        Assert.Empty(experiments.Single(e => e.Name == "table1-baseline").Variants.Single().Dropout.Drops);
    }

    static IExperiment Load(string name) =>
        GeneratorHarness.LoadRegistry(GeneratorHarness.Run(GeneratorHarness.RepositoryFiles()).Output).Single(e => e.Name == name);
}
