using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators.Emit;
using Pipeline.Generators.Model;
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

        var files = context.AdditionalTextsProvider
            .Where(static file => ExperimentFile.IsExperimentFile(file.Path))
            .Combine(settings)
            .Select(static (pair, cancellation) => ExperimentFile.Process(pair.Left.Path, pair.Left.GetText(cancellation), pair.Right, cancellation))
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
        context.RegisterSourceOutput(emit, static (output, item) => Guard(output, item.Path, () =>
        {
            if (item.experiment is { } experiment)
                output.AddSource(ExperimentEmitter.HintName(experiment.ClassName), SourceText.From(ExperimentEmitter.Emit(experiment), System.Text.Encoding.UTF8));
        }));

        var registry = conflicts.Select(static (c, _) => c.Winners.Where(w => w.HasClass).ToEquatableArray()).WithTrackingName(Steps.Registry);
        context.RegisterSourceOutput(registry, static (output, winners) => Guard(output, null, () =>
            output.AddSource(RegistryEmitter.HintName, SourceText.From(RegistryEmitter.Emit(winners.ToList()), System.Text.Encoding.UTF8))));
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
