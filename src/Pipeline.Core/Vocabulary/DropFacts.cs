using System.Collections.Generic;
using System.Linq;

// Shared source: compiled into Pipeline.Core and, linked, into the netstandard2.0 experiment generator, so it
// uses nothing but the BCL. The runtime fills these facts by reflection on the vocabulary attributes
// (YamlVocabulary), the generator from the same attributes read off the compilation (VocabularyReader).
namespace Pipeline.Vocabulary;

/// <summary>Where a written value applies ([AppliesTo]): these positions and patterns; an empty list means any.</summary>
internal sealed class Scope(IEnumerable<string> positions, IEnumerable<string> patterns)
{
    public static readonly Scope Anywhere = new([], []);

    public IReadOnlyList<string> Positions { get; } = positions.ToArray();
    public IReadOnlyList<string> Patterns { get; } = patterns.ToArray();

    public bool Allows(string position, string pattern) =>
        (Positions.Count == 0 || Positions.Contains(position)) && (Patterns.Count == 0 || Patterns.Contains(pattern));

    /// <summary>"to pattern span at hidden": the scope in words, or, given a spec, that spec in the same words.</summary>
    public string Describe(string? position = null, string? pattern = null)
    {
        var parts = new List<string>();
        if (Patterns.Count > 0) parts.Add("to pattern " + (pattern ?? DropRules.Or(Patterns)));
        if (Positions.Count > 0) parts.Add("at " + (position ?? DropRules.Or(Positions)));
        return string.Join(" ", parts);
    }
}

/// <summary>The drop-spec vocabulary as names and facts: what DropRules needs to judge a spec.</summary>
internal sealed class DropFacts(
    IReadOnlyList<string> positions,
    IEnumerable<string> perLayerPositions,
    IReadOnlyDictionary<string, Scope> patterns,
    IReadOnlyDictionary<string, Scope> spanStarts,
    IReadOnlyDictionary<string, Scope> normalizations)
{
    /// <summary>Every position, in declaration order.</summary>
    public IReadOnlyList<string> Positions { get; } = positions;

    /// <summary>The positions inside every layer ([PerLayer]), which take a layer selection.</summary>
    public IReadOnlyList<string> PerLayerPositions { get; } = perLayerPositions.ToArray();

    /// <summary>Where each pattern may be used (its [AppliesTo]).</summary>
    public IReadOnlyDictionary<string, Scope> Patterns { get; } = patterns;

    public IReadOnlyDictionary<string, Scope> SpanStarts { get; } = spanStarts;

    public IReadOnlyDictionary<string, Scope> Normalizations { get; } = normalizations;
}

/// <summary>
/// A drop spec as written, in YAML names: <see cref="SpanStart"/> and <see cref="Normalization"/> are null
/// when not written, <see cref="Layers"/> when no layer selection was made.
/// </summary>
internal sealed class WrittenSpec(string position, string pattern, double rate, string? spanStart, string? normalization, LayerSet? layers)
{
    public string Position { get; } = position;
    public string Pattern { get; } = pattern;
    public double Rate { get; } = rate;
    public string? SpanStart { get; } = spanStart;
    public string? Normalization { get; } = normalization;
    public LayerSet? Layers { get; } = layers;
}

/// <summary>A layer selection as the rules see it: every layer, the latter half, or listed 0-based indices.</summary>
internal sealed class LayerSet
{
    readonly int[]? listed;
    readonly bool latterHalf;

    LayerSet(int[]? listed, bool latterHalf)
    {
        this.listed = listed;
        this.latterHalf = latterHalf;
    }

    /// <summary>YAML's names of the two selections that are not a list (<c>layers: all</c>, <c>layers: latter_half</c>).</summary>
    public const string AllName = "all", LatterHalfName = "latter_half";

    public static readonly LayerSet All = new(null, false);

    /// <summary>Layers ≥ L/2 (the paper's setting for decoder-only models, appendix).</summary>
    public static readonly LayerSet LatterHalf = new(null, true);

    public static LayerSet Of(IEnumerable<int> layers) => new(layers.ToArray(), false);

    /// <summary>A list that names no layer, or a negative one.</summary>
    public bool IsMalformed => listed is not null && (listed.Length == 0 || listed.Any(l => l < 0));

    public bool Contains(int layer, int layerCount) =>
        listed is not null ? listed.Contains(layer) : !latterHalf || layer >= layerCount / 2;
}

/// <summary>A preset as the rules see it: its YAML parameters and the position it drops at.</summary>
/// <param name="Name">Its YAML name.</param>
/// <param name="RateKeys">The YAML keys of its rate parameters (rate; or key_rate, hidden_rate).</param>
/// <param name="PatternKey">The YAML key of its pattern parameter, if it has one.</param>
/// <param name="DropsAt">The position a pattern acts at ([DropsAt]), if it has one.</param>
internal sealed class PresetFacts(string name, IReadOnlyList<string> rateKeys, string? patternKey, string? dropsAt)
{
    /// <summary>The key that sets every rate of a preset with several rates at once.</summary>
    public const string SharedRateKey = "rate";

    public string Name { get; } = name;
    public IReadOnlyList<string> RateKeys { get; } = rateKeys;
    public string? PatternKey { get; } = patternKey;
    public string? DropsAt { get; } = dropsAt;

    /// <summary>The YAML keys it takes: its parameters, plus 'rate' for all rates when it has several.</summary>
    public IReadOnlyList<string> Keys =>
        (RateKeys.Count > 1 ? new[] { SharedRateKey } : new string[0]).Concat(RateKeys).Concat(PatternKey is null ? new string[0] : new[] { PatternKey }).ToArray();

    /// <summary>The rate keys a written key sets ('rate' on a several-rate preset sets them all).</summary>
    public IReadOnlyList<string> RatesSetBy(string key) =>
        RateKeys.Contains(key) ? new[] { key } : key == SharedRateKey ? RateKeys : new string[0];
}
