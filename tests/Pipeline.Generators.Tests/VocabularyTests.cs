using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Data.BuiltIn;
using Pipeline.Metrics;
using Pipeline.Dropout;
using Pipeline.Generators.Parsing;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Tests;

/// <summary>
/// The generator's vocabulary is the one declared on Pipeline.Core's types: read from the compilation, it equals
/// what the runtime reads by reflection; a new member is new YAML without a generator edit; no Core, one diagnostic.
/// </summary>
public class VocabularyTests
{
    static readonly Model.VocabularyModel Read = VocabularyReader.Read(GeneratorHarness.EmptyCompilation(), default);

    [Fact]
    public void The_compilation_and_reflection_give_the_same_names_and_facts()
    {
        Assert.Null(Read.Missing);
        Assert.Equal(YamlVocabulary.NamesOf<DropPosition>(), Read.Positions.Names);
        Assert.Equal(YamlVocabulary.NamesOf<DropPattern>(), Read.Patterns.Names);
        Assert.Equal(YamlVocabulary.NamesOf<SpanStart>(), Read.SpanStarts.Names);
        Assert.Equal(YamlVocabulary.NamesOf<AttentionNormalization>(), Read.Normalizations.Names);
        Assert.Equal(YamlVocabulary.NamesOf<LoraTarget>(), Read.LoraTargets.Names);
        Assert.Equal(YamlVocabulary.NamesOf<Pooling>(), Read.Poolings.Names);
        Assert.Equal(YamlVocabulary.NamesOf<HeadKind>(), Read.Heads.Names);
        Assert.Equal(YamlVocabulary.NamesOf<Precision>(), Read.Precisions.Names);
        Assert.Equal(YamlVocabulary.NamesOf<KlBranches>(), Read.Branches.Names);
        Assert.Equal(YamlVocabulary.NamesOf<DivergenceReduction>(), Read.Reductions.Names);
        Assert.Equal(YamlVocabulary.CompensationKinds, Read.Compensations.Select(c => c.Yaml));
        Assert.Equal(PresetCatalog.Names, Read.Presets.Select(p => p.Yaml));

        Assert.Equal(Enum.GetValues<DropPosition>().Where(p => p.IsPerLayer()).Select(p => YamlVocabulary.NameOf(p)),
            Read.Positions.Terms.Where(t => t.PerLayer).Select(t => t.Yaml));
        Assert.Equal(LoraOptions.DefaultTargets.Select(t => YamlVocabulary.NameOf(t)), Read.LoraTargets.Terms.Where(t => t.IsDefault).Select(t => t.Yaml));
        Assert.Equal(["input_rate", "key_rate", "attention_rate", "hidden_rate", "output_rate"], Read.Positions.Terms.Select(t => t.SweepAxis));
        Assert.Equal("attention_logits", Read.PositionSweptBy("key_rate"));
        Assert.Equal(Pipeline.Experiments.ExperimentDefinition.DefaultVariant, Read.DefaultVariant);
        var hiddenKey = Read.Preset("hiddenkey")!;
        Assert.Equal(["key_rate", "hidden_rate"], hiddenKey.RateKeys);
        Assert.Equal(new Model.PresetCompensation("bidirectional_kl", "klWeight", 1.0), hiddenKey.Compensation);
        Assert.Equal("attention_logits", Read.Preset("dropkey")!.DropsAt);
        Assert.Equal("one", Read.Compensation("bidirectional_kl")!.DefaultBranches);
        // Every kind that compares two distributions takes a reduction (default mean); "none" has none.
        Assert.Equal(["mean", "mean", "mean"], Read.Compensations.Where(c => c.HasWeight).Select(c => c.DefaultReduction));
        Assert.Null(Read.Compensation("none")!.DefaultReduction);
    }

    [Fact]
    public void Each_catalogue_is_built_from_the_names_it_declares_and_the_generator_reads_the_same()
    {
        // Known models (embedded, pretrained here), built-in data sets, file formats, metrics: one [CatalogName] constant per entry.
        Assert.Equal(YamlVocabulary.CatalogNames(typeof(ModelCatalog)), Read.Models);
        Assert.Equal(ModelCatalog.KnownNames, Read.Models);
        Assert.Equal(YamlVocabulary.CatalogNames(typeof(DatasetCatalog)), Read.Datasets);
        Assert.Equal(DatasetCatalog.All.Select(d => d.Name), Read.Datasets);
        Assert.Equal(YamlVocabulary.CatalogNames(typeof(DataFormats)), Read.Formats);
        Assert.Equal(DataFormats.All.Order(), Read.Formats.Order());
        Assert.Equal(YamlVocabulary.CatalogNames(typeof(TaskMetric)), Read.Metrics);
        Assert.Equal(TaskMetric.All.Select(m => m.YamlName), Read.Metrics);
    }

    [Fact]
    public void A_new_pattern_is_new_yaml_with_no_generator_edit()
    {
        // Pipeline.Core's vocabulary sources, with one (made-up) pattern added the way DropHead's `head` was added.
        string pattern = File.ReadAllText(Core("Dropout/DropPattern.cs")).Replace("    Feature,", """
                Feature,

                [YamlName("stripe"), AppliesTo(DropPosition.Hidden)]
                Stripe,
            """);
        Assert.Contains("Stripe,", pattern);
        var sources = VocabularySources.Select(f => f == "Dropout/DropPattern.cs" ? pattern : File.ReadAllText(Core(f)))
            .Append("global using System; global using System.Linq; global using System.Collections.Generic;")
            // The catalogues (models, data sets, formats, metrics) need TorchSharp; empty ones stand in, as this YAML names none.
            .Append("namespace Pipeline.Experiments { static class ExperimentDefinition { public const string DefaultVariant = \"default\"; } } namespace Pipeline.Models { static class ModelCatalog { } } namespace Pipeline.Data.BuiltIn { static class DatasetCatalog { } } " +
                    "namespace Pipeline.Data { static class DataFormats { } } namespace Pipeline.Metrics { class TaskMetric { } }")
            .Select(text => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest))).ToArray();
        var compilation = GeneratorHarness.CompilationWithoutRuntime(sources);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var (accepted, _) = GeneratorHarness.Run(GeneratorHarness.Files(("stripe.yaml", Entry("hidden", "stripe"))), compilation);
        Assert.Empty(accepted.Diagnostics);
        Assert.Contains("new DropSpec(DropPosition.Hidden, DropPattern.Stripe, 0.1)",
            accepted.GeneratedSources.Single(s => s.HintName == "StripeExperiment.g.cs").SourceText.ToString());

        var (rejected, _) = GeneratorHarness.Run(GeneratorHarness.Files(("stripe.yaml", Entry("attention_logits", "stripe"))), compilation);
        Assert.Equal("dropout[0] (attention_logits): pattern stripe applies at hidden, not at attention_logits",
            Assert.Single(rejected.Diagnostics).GetMessage());
    }

    [Fact]
    public void Without_Pipeline_Core_the_generator_reports_one_diagnostic_and_generates_nothing()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Files(("a.yaml", "name: a\n"), ("b.yaml", "name: b\n")), GeneratorHarness.CompilationWithoutRuntime());
        Assert.Null(result.Exception);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticDescriptors.NoRuntime.Id, diagnostic.Id);
        Assert.Contains("lacks Pipeline.Dropout.DropPosition", diagnostic.GetMessage());
        Assert.Empty(result.GeneratedSources);
    }

    static string Entry(string position, string pattern) =>
        $"name: stripe\ndropout:\n  - position: {position}\n    pattern: {pattern}\n    rate: 0.1\n";

    static string Core(string file) => Path.Combine(TestPaths.RepoRoot, "src", "Pipeline.Core", file);

    /// <summary>The runtime files the vocabulary lives in (and what they need to compile, no TorchSharp).</summary>
    static readonly string[] VocabularySources =
    [
        .. Directory.GetFiles(Core("Vocabulary"), "*.cs").Select(f => "Vocabulary/" + Path.GetFileName(f)).Order(StringComparer.Ordinal),
        "Dropout/DropPattern.cs", "Dropout/DropPosition.cs", "Dropout/DropSpec.cs", "Dropout/DropoutPlan.cs",
        "Dropout/LayerSelection.cs", "Dropout/Presets.cs", "Compensation/CompensationMeasure.cs", "Compensation/DivergenceReduction.cs", "Lora/LoraOptions.cs",
        "Models/Pooling.cs", "Models/HeadKind.cs", "Models/Precision.cs",
    ];
}
