using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Pipeline.Generators.Tests;

/// <summary>The incremental pipeline caches: a C# edit re-runs nothing, a YAML edit re-runs only its own file.</summary>
public class CachingTests
{
    static readonly string[] Steps =
    [
        ExperimentGenerator.Steps.Settings, ExperimentGenerator.Steps.Vocabulary, ExperimentGenerator.Steps.Files, ExperimentGenerator.Steps.Conflicts,
        ExperimentGenerator.Steps.Emit, ExperimentGenerator.Steps.Registry,
    ];

    [Fact]
    public void An_unrelated_CSharp_edit_does_not_rerun_any_step_or_emission()
    {
        var compilation = GeneratorHarness.EmptyCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }"));
        var driver = GeneratorHarness.CreateDriver(GeneratorHarness.RepositoryFiles()).RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class Unrelated { int x; }"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in Steps)
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void The_vocabulary_is_read_again_on_a_CSharp_edit_but_comes_out_equal_so_no_yaml_file_is_processed_again()
    {
        var compilation = GeneratorHarness.EmptyCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }"));
        var driver = GeneratorHarness.CreateDriver(GeneratorHarness.RepositoryFiles()).RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), CSharpSyntaxTree.ParseText("class Unrelated { int y; }"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The compilation changed, so the vocabulary step ran; its model is equal, so it reports Unchanged …
        var vocabulary = result.TrackedSteps[ExperimentGenerator.Steps.Vocabulary].SelectMany(s => s.Outputs).Single();
        Assert.Equal(IncrementalStepRunReason.Unchanged, vocabulary.Reason);
        // … and the per-file YAML stage is served from the cache.
        var files = result.TrackedSteps[ExperimentGenerator.Steps.Files].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(TestPaths.ExperimentFiles().Count(), files.Count);
        Assert.All(files, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void A_changed_vocabulary_processes_the_yaml_files_again()
    {
        var files = GeneratorHarness.Files(("a.yaml", "name: a\n"), ("b.yaml", "name: b\n")).ToList();
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(GeneratorHarness.EmptyCompilation());

        // Pipeline.Core gone: every file is processed again, against an empty vocabulary.
        var result = driver.RunGenerators(GeneratorHarness.CompilationWithoutRuntime()).GetRunResult().Results.Single();
        Assert.All(result.TrackedSteps[ExperimentGenerator.Steps.Files].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
    }

    [Fact]
    public void Editing_one_yaml_file_reemits_only_that_file()
    {
        var files = GeneratorHarness.Files(("a.yaml", "name: a\n"), ("b.yaml", "name: b\n"), ("c.yaml", "name: c\n")).ToList();
        var driver = GeneratorHarness.CreateDriver(files).RunGenerators(GeneratorHarness.EmptyCompilation());

        driver = driver.ReplaceAdditionalText(files[1], GeneratorHarness.Files(("b.yaml", "name: b\nseeds: [1, 2]\n")).Single());
        var result = driver.RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();

        var emitted = result.TrackedSteps[ExperimentGenerator.Steps.Emit].Select(s => s.Outputs.Single().Reason).ToList();
        Assert.Equal(1, emitted.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(2, emitted.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        // The names did not change, so the registry is not rewritten.
        Assert.All(result.TrackedSteps[ExperimentGenerator.Steps.Registry].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
