using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Data;

/// <summary>
/// What an example should produce: a class, a number or a text. The task (Pipeline.Tasks) turns targets into
/// training tensors and scores predictions, which are targets too, against them.
/// </summary>
public abstract record Target
{
    /// <summary>The target's canonical text for <see cref="DataHasher"/>: a change of it changes the data hash.</summary>
    public abstract string Canonical { get; }
}

/// <summary>A class index into <see cref="DatasetSplits.Labels"/>.</summary>
public sealed record ClassTarget(int Index) : Target
{
    // Written as the float it used to be stored as, so every data hash recorded before targets were typed still holds.
    public override string Canonical => ((float)Index).ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A value to regress (STS-B's similarity).</summary>
public sealed record NumberTarget(float Value) : Target
{
    public override string Canonical => Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// A text to generate: <see cref="Text"/> is what training teaches; evaluation scores against every reference
/// (<see cref="References"/>, which includes <see cref="Text"/>; data-to-text sets give several per input).
/// </summary>
public sealed record TextTarget(string Text, IReadOnlyList<string> References) : Target
{
    /// <summary>WebNLG's test subsets: the input's category occurs in the training file (<see cref="Seen"/>) or not.</summary>
    public const string Seen = "seen", Unseen = "unseen";

    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public TextTarget(string text) : this(text, [text]) { }

    /// <summary>
    /// Training examples one per reference: an example whose target has several distinct references becomes one
    /// example per reference (its <see cref="Text"/> first), each keeping every reference; other examples stay as
    /// they are. The paper's E2E and WebNLG fine-tuning trains on each (input, text) pair this way.
    /// </summary>
    public static IReadOnlyList<Example> OnePerReference(IReadOnlyList<Example> examples) =>
        [.. examples.SelectMany(e => e.Target is TextTarget target && target.References.Any(r => r != target.Text)
            ? target.References.Prepend(target.Text).Distinct(StringComparer.Ordinal).Select(text => e with { Target = target with { Text = text } })
            : [e])];

    /// <summary>
    /// The evaluation subset the example belongs to, for metrics per subset: <see cref="Seen"/> or
    /// <see cref="Unseen"/> (webnlg_xml's dev and test files); null where the data does not say.
    /// </summary>
    public string? Subset { get; init; }

    // Without a subset the canonical form is the references alone, as it was before subsets existed, so recorded
    // data hashes hold; a subset is part of the data, so with one it changes the hash.
    public override string Canonical => Subset is null
        ? JsonSerializer.Serialize(References, Json)
        : JsonSerializer.Serialize(new { references = References, subset = Subset }, Json);
}
