using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators.Emit;
using Pipeline.Generators.Model;
using Pipeline.Generators.Parsing;
using Pipeline.Generators.Validation;

namespace Pipeline.Generators;

/// <summary>
/// experiments/*.yaml (AdditionalFiles) → one IExperiment class per file + ExperimentRegistry.
/// Only the incremental wiring lives here: each file is parsed, read, validated and expanded on its own
/// (<see cref="ExperimentFile"/>), so editing C# or one YAML file re-runs nothing for the others.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ExperimentGenerator : IIncrementalGenerator
{
    /// <summary>Step names, for the caching tests (GeneratorDriverOptions.TrackIncrementalGeneratorSteps).</summary>
    public static class Steps
    {
        public const string Settings = nameof(Settings);
        public const string Vocabulary = nameof(Vocabulary);
        public const string Files = nameof(Files);
        public const string Conflicts = nameof(Conflicts);
        public const string Emit = nameof(Emit);
        public const string Registry = nameof(Registry);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var settings = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => new GeneratorSettings(
                Property(options.GlobalOptions, "PipelineExperimentRoot") ?? Property(options.GlobalOptions, "ProjectDir")))
            .WithTrackingName(Steps.Settings);

        // Every compilation change re-reads the vocabulary from Pipeline.Core's symbols, but it comes out equal
        // unless a [YamlName] or rule attribute changed, so the YAML stage below stays cached.
        var vocabulary = context.CompilationProvider
            .Select(static (compilation, cancellation) => VocabularyReader.Read(compilation, cancellation))
            .WithTrackingName(Steps.Vocabulary);

        var files = context.AdditionalTextsProvider
            .Where(static file => ExperimentFile.IsExperimentFile(file.Path))
            .Combine(settings)
            .Combine(vocabulary)
            .Select(static (pair, cancellation) => ExperimentFile.Process(pair.Left.Left.Path, pair.Left.Left.GetText(cancellation), pair.Left.Right, pair.Right, cancellation))
            .WithTrackingName(Steps.Files);

        var conflicts = files
            .Select(static (file, _) => file.Identity)
            .Collect()
            .Select(static (identities, _) => NameConflicts.Find(identities))
            .WithTrackingName(Steps.Conflicts);

        context.RegisterSourceOutput(files.Select(static (file, _) => file.Diagnostics), static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
        context.RegisterSourceOutput(conflicts.Select(static (c, _) => c.Diagnostics), static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        var emit = files
            .Combine(conflicts.Select(static (c, _) => c.LosingPaths))
            .Select(static (pair, _) => pair.Left.Experiment is { } experiment && !pair.Right.Contains(pair.Left.Path) ? (pair.Left.Path, experiment) : (pair.Left.Path, null))
            .WithTrackingName(Steps.Emit);
        context.RegisterSourceOutput(emit.Combine(vocabulary), static (output, item) => Guard(output, item.Left.Path, () =>
        {
            if (item.Left.experiment is { } experiment)
                output.AddSource(ExperimentEmitter.HintName(experiment.ClassName), SourceText.From(ExperimentEmitter.Emit(experiment, item.Right), System.Text.Encoding.UTF8));
        }));

        // Without Pipeline.Core there is nothing to generate against: one diagnostic, no registry.
        var missing = vocabulary.Select(static (v, _) => v.Missing);
        context.RegisterSourceOutput(missing, static (output, types) =>
        {
            if (types is not null) output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NoRuntime, Location.None, types));
        });

        var registry = conflicts.Select(static (c, _) => c.Winners.Where(w => w.HasClass).ToEquatableArray()).WithTrackingName(Steps.Registry);
        context.RegisterSourceOutput(registry.Combine(missing), static (output, item) => Guard(output, null, () =>
        {
            if (item.Right is null)
                output.AddSource(RegistryEmitter.HintName, SourceText.From(RegistryEmitter.Emit(item.Left.ToList()), System.Text.Encoding.UTF8));
        }));
    }

    static string? Property(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options, string name) =>
        options.TryGetValue("build_property." + name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>An unexpected exception becomes PL0099 on the file instead of failing the whole compilation.</summary>
    static void Guard(SourceProductionContext output, string? path, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var location = path is null ? Location.None : Location.Create(path, default, default);
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, location, e.GetType().Name, e.Message));
        }
    }
}
