using System.Text.Json.Serialization;
using Pipeline.Models.Gpt2;
using Pipeline.Text;

namespace Pipeline.Pretraining;

/// <summary>
/// A named configuration of <c>pipeline pretrain</c>: the decoder's shape, the blocks and the optimisation. The
/// vocabulary is GPT-2's byte-level BPE (50,257 tokens), or its first <see cref="Merges"/> merges (K + 257 tokens;
/// the checkpoint carries the cut files, which GPT-2's tokenizer classes read as they are); n_positions is the block size.
/// </summary>
/// <param name="BlocksPerEpoch">
/// Training blocks per epoch; null = all of them. A number smaller than the corpus makes an "epoch" a slice of an
/// endless sequence of shuffled passes (each epoch sees new blocks), so a short CPU run still evaluates and
/// checkpoints regularly.
/// </param>
/// <param name="EvalBlocks">Held-out blocks scored each epoch (spread evenly over the held-out stream, always the same ones); null = all.</param>
/// <param name="Merges">GPT-2's BPE cut to its first K merges (<see cref="Gpt2TokenizerFiles.WriteCut"/>); null = all 50,000.</param>
/// <param name="Domain">In-domain text mixed into the corpus (<see cref="PretrainDomain"/>); null = the general corpus alone.</param>
public sealed record PretrainConfig(
    string Name,
    string Description,
    int Layers,
    int Embedding,
    int Heads,
    int BlockSize,
    int BatchSize,
    int Epochs,
    int? BlocksPerEpoch,
    int? EvalBlocks,
    double LearningRate,
    double WarmupRatio = 0.05,
    double WeightDecay = 0.1,
    double MaxGradNorm = 1.0,
    int Seed = 0,
    int? Merges = null,
    PretrainDomain? Domain = null)
{
    /// <summary>The decoder's shape (derived; the summary records it as its architecture line, not as a copy of the settings).</summary>
    [JsonIgnore]
    public Gpt2Config Model => new(VocabSize, BlockSize, Embedding, Layers, Heads, BosTokenId: EndOfTextId, EosTokenId: EndOfTextId);

    [JsonIgnore]
    public int VocabSize => Gpt2TokenizerFiles.CutVocabSize(Merges);

    /// <summary>&lt;|endoftext|&gt;: the last id, in GPT-2's vocabulary and in a cut one.</summary>
    [JsonIgnore]
    public int EndOfTextId => VocabSize - 1;

    /// <summary>
    /// Two CPU cores, at most 30 minutes: 4 layers × 256, 4 heads, blocks of 128 tokens. The tied LM head over
    /// 50,257 tokens is 12.9M of the 16.2M parameters and most of the compute, so the width stays small.
    /// </summary>
    public static PretrainConfig Cpu { get; } = new("cpu", "4 layers × 256, 4 heads, blocks of 128, for 2 CPU cores in ≤ 30 minutes",
        Layers: 4, Embedding: 256, Heads: 4, BlockSize: 128, BatchSize: 16, Epochs: 5, BlocksPerEpoch: 1_280, EvalBlocks: 256,
        LearningRate: 2e-3, WarmupRatio: 0.05);

    /// <summary>
    /// <see cref="Cpu"/>'s decoder over GPT-2's BPE cut to its first 8,000 merges (8,257 tokens): the LM head, most of
    /// a CPU step's compute at 50,257 tokens, shrinks six-fold, so the same minutes train more text — the decoder of
    /// the NLG quick start, which must pretrain and fine-tune inside 20 minutes on 2 cores (docs/results-nlg.md).
    /// </summary>
    public static PretrainConfig CpuBpe8k { get; } = Cpu with
    {
        Name = "cpu-bpe8k", Description = "cpu's shape over GPT-2's first 8,000 BPE merges (8,257 tokens), for the NLG quick start",
        Merges = 8_000,
    };

    /// <summary>
    /// The decoder of the NLG quick start: <see cref="CpuBpe8k"/> trained twice as long (10 epochs, ≈ 8 minutes on 2
    /// cores), with the Pokémon ability and item descriptions (<see cref="PkmnTexts"/>) mixed in ten times over, so it
    /// meets the domain's words and phrasing ("Sp. Def", "by 1 stage", "the holder") before the quick start fine-tunes
    /// it on move descriptions, which it never sees (docs/results-nlg.md).
    /// </summary>
    public static PretrainConfig CpuPkmn { get; } = CpuBpe8k with
    {
        Name = "cpu-pkmn", Description = "cpu-bpe8k for 10 epochs with Pokémon ability and item texts ×10 in the mix, for the NLG quick start",
        Epochs = 10,
        Domain = new PretrainDomain(PkmnTexts.Instance.Name, Repeats: 10, TextsPerDocument: 20),
    };

    /// <summary>An H100/H200: GPT-2 small's shape (12 × 768, 124M parameters), blocks of 512, every block each epoch.</summary>
    public static PretrainConfig Gpu { get; } = new("gpu", "12 layers × 768, 12 heads, blocks of 512 (GPT-2 small's shape), for one H100/H200",
        Layers: 12, Embedding: 768, Heads: 12, BlockSize: 512, BatchSize: 32, Epochs: 8, BlocksPerEpoch: null, EvalBlocks: null,
        LearningRate: 6e-4, WarmupRatio: 0.05);

    /// <summary>The model cache name a run writes unless told otherwise: <c>pipeline-gpt2-cpu</c>, <c>-cpu-bpe8k</c>, <c>-cpu-pkmn</c>, <c>-gpu</c> (ModelCatalog's known names).</summary>
    public string DefaultModelName => $"pipeline-gpt2-{Name}";

    public static IReadOnlyList<PretrainConfig> All { get; } = [Cpu, CpuBpe8k, CpuPkmn, Gpu];

    public static PretrainConfig Get(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown pretraining configuration '{name}'; choose one of {string.Join(", ", All.Select(c => c.Name))}");

    public IEnumerable<string> Validate()
    {
        if (Layers <= 0 || Embedding <= 0 || Heads <= 0 || BatchSize <= 0 || Epochs <= 0) yield return "layers, embedding, heads, batch size and epochs must be positive";
        if (BlockSize < 2) yield return $"the block size must be at least 2, got {BlockSize}";
        if (BlocksPerEpoch is <= 0 || EvalBlocks is <= 0) yield return "blocks per epoch and evaluation blocks must be positive (or unset for all)";
        if (LearningRate <= 0) yield return $"the learning rate must be positive, got {LearningRate}";
        if (Merges is < 1 or > Gpt2TokenizerFiles.MergeCount) yield return $"merges keeps the first K of GPT-2's 50,000 merges: between 1 and 50,000, got {Merges}";
        if (Domain is { } domain && PretrainingCorpus.DomainSources.All(d => d.Name != domain.Source))
            yield return $"unknown domain text '{domain.Source}'; choose one of {string.Join(", ", PretrainingCorpus.DomainSources.Select(d => d.Name))}";
        if (Domain is { Repeats: <= 0 } or { TextsPerDocument: <= 0 }) yield return "the domain text's repeats and texts per document must be positive";
        foreach (var error in Model.Validate()) yield return error;
    }
}

/// <summary>
/// In-domain text mixed into a configuration's corpus: <see cref="Source"/>'s documents (short texts) split into
/// train and held-out as the general corpus is, by their keys; the training texts <see cref="Repeats"/> times over,
/// each pass shuffled anew and joined <see cref="TextsPerDocument"/> at a time (one per line) into documents; the
/// held-out texts once, joined the same way. Repeats raise the domain's share of the blocks a short run sees.
/// </summary>
public sealed record PretrainDomain(string Source, int Repeats, int TextsPerDocument);
