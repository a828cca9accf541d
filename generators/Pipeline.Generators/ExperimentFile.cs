using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators.Emit;
using Pipeline.Generators.Model;
using Pipeline.Generators.Parsing;
using Pipeline.Generators.Validation;

namespace Pipeline.Generators;

/// <summary>One YAML file through parse → read → validate → expand, as one cacheable step.</summary>
public static class ExperimentFile
{
    public static bool IsExperimentFile(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    public static ExperimentFileResult Process(string path, SourceText? text, GeneratorSettings settings, VocabularyModel vocabulary, CancellationToken cancellation)
    {
        var diagnostics = new List<DiagnosticInfo>();
        // Without the runtime's vocabulary nothing can be read; PL0013 says so once for the compilation.
        if (vocabulary.IsMissing) return new ExperimentFileResult(path, null, null, EquatableArray<DiagnosticInfo>.Empty);
        if (text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, path, default, "IOException", "the file could not be read"));
            return new ExperimentFileResult(path, null, null, diagnostics.ToEquatableArray());
        }
        try
        {
            var root = YamlTreeParser.Parse(text, path, diagnostics);
            cancellation.ThrowIfCancellationRequested();
            if (diagnostics.Count > 0) return Done(path, null, null, diagnostics);

            var experiment = ExperimentReader.Read(root, text, path, vocabulary, diagnostics);
            if (experiment is null) return Done(path, null, null, diagnostics);

            string sourceFile = SourceFile(path, settings.RootDirectory);
            var identity = new ExperimentIdentity(experiment.Name, ExperimentEmitter.ClassName(experiment.Name), path, sourceFile,
                experiment.Where.ValueOf("name"), HasClass: true);

            var problems = new List<Problem>(ExperimentValidator.Validate(experiment, vocabulary));
            if (problems.Count == 0)
            {
                var variants = SweepExpander.Expand(experiment, vocabulary, problems);
                if (problems.Count == 0)
                {
                    var generated = new GeneratedExperiment(identity.ClassName, experiment.Name, experiment.Description, sourceFile, variants.ToEquatableArray());
                    return Done(path, identity, generated, diagnostics);
                }
            }
            diagnostics.AddRange(problems.Select(p => DiagnosticInfo.Create(p.Descriptor, path, p.Span, p.Arguments)));
            return Done(path, identity with { HasClass = false }, null, diagnostics);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, path, FirstLine(text), e.GetType().Name, e.Message));
            return Done(path, null, null, diagnostics);
        }
    }

    static ExperimentFileResult Done(string path, ExperimentIdentity? identity, GeneratedExperiment? experiment, List<DiagnosticInfo> diagnostics) =>
        new(path, identity, experiment, diagnostics.ToEquatableArray());

    /// <summary>The file's path relative to the root (forward slashes), as SourceFile and the header show it.</summary>
    public static string SourceFile(string path, string? root)
    {
        string normalized = path.Replace('\\', '/');
        if (root is { Length: > 0 })
        {
            string prefix = root.Replace('\\', '/').TrimEnd('/') + "/";
            if (normalized.StartsWith(prefix, StringComparison.Ordinal)) return normalized.Substring(prefix.Length);
        }
        int slash = normalized.LastIndexOf('/');
        return slash >= 0 ? normalized.Substring(slash + 1) : normalized;
    }

    /// <summary>Where a file-level diagnostic goes: the first line (non-empty when the file is).</summary>
    public static SourceSpan FirstLine(SourceText text)
    {
        if (text.Length == 0) return default;
        var line = text.Lines[0];
        return SourceSpan.From(text, 0, line.End > 0 ? line.End : Math.Min(1, text.Length));
    }
}
