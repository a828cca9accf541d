using System.Collections.Generic;
using System.Linq;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Model;

// The YAML vocabulary as read from Pipeline.Core's attributes (Parsing/VocabularyReader), as equatable data:
// a C# edit that leaves the vocabulary as it was leaves this equal, so no YAML file is processed again.

/// <summary>One enum member: its YAML name, its C# member and the facts declared on it (empty where none).</summary>
/// <param name="SweepAxis">[SweepAxis] of a position: the axis that sweeps the rate of its list entries.</param>
public sealed record Term(string Yaml, string Member, EquatableArray<string> Positions, EquatableArray<string> Patterns, bool PerLayer, bool IsDefault, string? SweepAxis);

/// <summary>The YAML names of one runtime enum; <see cref="What"/> names a value in messages ("pattern").</summary>
public sealed record TermSet(string What, string TypeName, EquatableArray<Term> Terms)
{
    public IEnumerable<string> Names => Terms.Select(t => t.Yaml);

    public bool Contains(string yaml) => Terms.Any(t => t.Yaml == yaml);

    /// <summary>The C# expression for a YAML name: <c>DropPattern.Column</c>.</summary>
    public string Expression(string yaml) => TypeName + "." + Terms.First(t => t.Yaml == yaml).Member;

    public string YamlOf(string member) => Terms.First(t => t.Member == member).Yaml;

    public NameMap Map => new(What, Terms.Select(t => (t.Yaml, t.Member)).ToArray());

    internal IReadOnlyDictionary<string, Scope> Scopes => Terms.ToDictionary(t => t.Yaml, t => new Scope(t.Positions, t.Patterns));
}

/// <summary>A CompensationMeasure record with a [YamlName]: what its constructor takes.</summary>
/// <param name="DefaultBranches">The YAML name of its branches parameter's default; null when it has no branches.</param>
/// <param name="DefaultReduction">The YAML name of its reduction parameter's default (DivergenceReduction); null when it has none.</param>
public sealed record CompensationKind(string Yaml, string TypeName, bool HasWeight, string? DefaultBranches, string? DefaultReduction = null);

/// <summary>One YAML parameter of a preset method: a rate, or its pattern.</summary>
public sealed record PresetParameter(string Key, string Name, bool IsPattern);

/// <summary>A [YamlName] method of Presets.</summary>
/// <param name="DropsAt">[DropsAt]: the position its pattern acts at.</param>
/// <param name="Compensation">[CompensationWeight]: the kind it brings, its weight parameter and default weight.</param>
public sealed record PresetTerm(string Yaml, string Method, EquatableArray<PresetParameter> Parameters, string? DropsAt, PresetCompensation? Compensation)
{
    public IEnumerable<string> RateKeys => Parameters.Where(p => !p.IsPattern).Select(p => p.Key);

    public string? PatternKey => Parameters.FirstOrDefault(p => p.IsPattern)?.Key;

    internal PresetFacts Facts => new(Yaml, RateKeys.ToList(), PatternKey, DropsAt);
}

public sealed record PresetCompensation(string Kind, string WeightParameter, double Weight);

/// <summary>Everything the generator knows of the runtime's names; <see cref="Missing"/> says why it is empty.</summary>
/// <param name="DefaultVariant">ExperimentDefinition.DefaultVariant: the name of the variant that is the YAML as written.</param>
/// <param name="Models">Embedded models, <see cref="Datasets"/> built-in data sets, <see cref="Formats"/> data file
/// formats, <see cref="Metrics"/> metrics: the [CatalogName] constants of the runtime's catalogues.</param>
public sealed record VocabularyModel(
    TermSet Positions, TermSet Patterns, TermSet SpanStarts, TermSet Normalizations,
    TermSet LoraTargets, TermSet Poolings, TermSet Heads, TermSet Precisions, TermSet Branches, TermSet Reductions,
    EquatableArray<CompensationKind> Compensations, EquatableArray<PresetTerm> Presets,
    EquatableArray<string> Models, EquatableArray<string> Datasets, EquatableArray<string> Formats, EquatableArray<string> Metrics,
    string DefaultVariant, string? Missing)
{
    public NameMap ModelNames => Catalogue("model", Models);
    public NameMap DatasetNames => Catalogue("dataset", Datasets);
    public NameMap FormatNames => Catalogue("format", Formats);
    public NameMap MetricNames => Catalogue("metric", Metrics);

    /// <summary>Catalogue names stand for themselves in the generated code (as strings).</summary>
    static NameMap Catalogue(string what, EquatableArray<string> names) => new(what, names.Select(n => (n, n)).ToArray());

    public bool IsMissing => Missing is not null;

    public CompensationKind? Compensation(string? yaml) => Compensations.FirstOrDefault(c => c.Yaml == yaml);

    /// <summary>The kind without a weight: "no compensation" (NoCompensation).</summary>
    public string NoCompensation => Compensations.First(c => !c.HasWeight).Yaml;

    public PresetTerm? Preset(string? yaml) => Presets.FirstOrDefault(p => p.Yaml == yaml);

    /// <summary>The position whose list entries a rate axis sweeps ([SweepAxis]), or null.</summary>
    public string? PositionSweptBy(string axis) => Positions.Terms.FirstOrDefault(t => t.SweepAxis == axis)?.Yaml;

    /// <summary>The axes that set a rate: the positions' [SweepAxis] names and the presets' rate keys.</summary>
    public IEnumerable<string> RateAxes =>
        Positions.Terms.Select(t => t.SweepAxis).OfType<string>().Concat(Presets.SelectMany(p => p.RateKeys)).Distinct();

    public NameMap PresetNames => new("preset", Presets.Select(p => (p.Yaml, p.Method)).ToArray());

    public NameMap CompensationNames => new("compensation kind", Compensations.Select(c => (c.Yaml, c.TypeName)).ToArray());

    /// <summary>The preset that drops nothing (no parameters, no compensation): what no 'dropout' key means.</summary>
    public string Baseline => Presets.First(p => p.Parameters.IsEmpty && p.Compensation is null).Yaml;

    internal DropFacts DropFacts => new(
        Positions.Names.ToList(), Positions.Terms.Where(t => t.PerLayer).Select(t => t.Yaml),
        Patterns.Scopes, SpanStarts.Scopes, Normalizations.Scopes);
}
