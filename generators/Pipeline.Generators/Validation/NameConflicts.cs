using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Validation;

/// <summary>The experiments that win their name (and class name) and the duplicates that lose.</summary>
public sealed record NameConflicts(EquatableArray<ExperimentIdentity> Winners, EquatableArray<string> LosingPaths, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The first file in path order keeps a name; every later one gets PL0008 at its 'name'.</summary>
    public static NameConflicts Find(ImmutableArray<ExperimentIdentity?> identities)
    {
        try
        {
            return FindUnguarded(identities);
        }
        catch (System.Exception e) when (e is not System.OperationCanceledException)
        {
            // Never fail the compilation: report on the first file and emit no registry entries.
            var first = identities.FirstOrDefault(i => i is not null);
            var diagnostics = first is null ? EquatableArray<DiagnosticInfo>.Empty
                : new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, first.Path, first.NameSpan, e.GetType().Name, e.Message) }.ToEquatableArray();
            return new NameConflicts(EquatableArray<ExperimentIdentity>.Empty, EquatableArray<string>.Empty, diagnostics);
        }
    }

    static NameConflicts FindUnguarded(ImmutableArray<ExperimentIdentity?> identities)
    {
        var winners = new List<ExperimentIdentity>();
        var losers = new List<string>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var identity in identities.Where(i => i is not null).Select(i => i!).OrderBy(i => i.Path, System.StringComparer.Ordinal))
        {
            var first = winners.FirstOrDefault(w => w.Name == identity.Name || w.ClassName == identity.ClassName);
            if (first is null)
            {
                winners.Add(identity);
                continue;
            }
            losers.Add(identity.Path);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateExperiment, identity.Path, identity.NameSpan,
                identity.Name, first.Name, first.SourceFile, identity.ClassName));
        }
        return new NameConflicts(winners.ToEquatableArray(), losers.ToEquatableArray(), diagnostics.ToEquatableArray());
    }
}
