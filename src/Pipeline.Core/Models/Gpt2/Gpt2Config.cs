namespace Pipeline.Models.Gpt2;

/// <summary>
/// A GPT-2 decoder's shape; property names follow HF <c>config.json</c> (<c>n_embd</c> → <see cref="NEmbd"/>, …).
/// It travels into every checkpoint and run so a run can always rebuild its model.
/// </summary>
/// <param name="NInner">The MLP width; null means HF's default, 4 · n_embd (and is written back as null).</param>
/// <param name="BosTokenId">HF's default 50256 (GPT-2's &lt;|endoftext|&gt;).</param>
/// <param name="EosTokenId">HF's default 50256.</param>
/// <param name="PadToken">config.json's <c>pad_token_id</c> where it has one; GPT-2's own has none.</param>
public sealed record Gpt2Config(
    int VocabSize,
    int NPositions,
    int NEmbd,
    int NLayer,
    int NHead,
    int? NInner = null,
    double LayerNormEpsilon = 1e-5,
    int BosTokenId = 50256,
    int EosTokenId = 50256,
    int? PadToken = null) : IModelConfig
{
    public ModelFamily Family => Gpt2Family.Instance;

    public string ModelType => "gpt2";

    public int HiddenSize => NEmbd;
    public int NumHiddenLayers => NLayer;
    public int HeadDim => NEmbd / NHead;
    public int InnerSize => NInner ?? 4 * NEmbd;

    /// <summary>
    /// GPT-2 has no padding token: padded positions are masked out of attention, so any id in the vocabulary will
    /// do; HF's convention is to pad with the end-of-text token.
    /// </summary>
    public int PadTokenId => PadToken ?? EosTokenId;

    /// <summary>Learned positions 0..n_positions−1 (right padding, HF's default position ids).</summary>
    public int UsablePositions => NPositions;

    /// <summary>Per layer: the fused q, k, v (D×3D), c_proj (D×D), the MLP's c_fc and c_proj (D×F each). The tied LM head is the task's.</summary>
    public long MatmulWeights => (long)NLayer * (4L * NEmbd * NEmbd + 2L * NEmbd * InnerSize);

    /// <summary>"GPT-2: 12 layers × 768, 12 heads, MLP 3072, vocab 50257, 1024 positions".</summary>
    public string Describe() =>
        $"GPT-2: {NLayer} layers × {NEmbd}, {NHead} heads, MLP {InnerSize}, vocab {VocabSize}, {NPositions} positions";

    /// <summary>gpt2 (the 124M model): 12 layers × 768.</summary>
    public static Gpt2Config Small { get; } = new(50257, 1024, 768, 12, 12);

    /// <summary>gpt2-medium: 24 layers × 1024, the paper's NLG model.</summary>
    public static Gpt2Config Medium { get; } = new(50257, 1024, 1024, 24, 16);

    public IEnumerable<string> Validate()
    {
        if (VocabSize <= 0 || NPositions <= 0 || NEmbd <= 0 || NLayer <= 0 || NHead <= 0 || InnerSize <= 0)
            yield return "vocab_size, n_positions, n_embd, n_layer, n_head and n_inner must be positive";
        else if (NEmbd % NHead != 0)
            yield return $"n_embd {NEmbd} is not a multiple of n_head {NHead}";
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            yield return $"{(PadToken is null ? "eos_token_id" : "pad_token_id")} {PadTokenId} (the padding id) is outside the vocabulary of {VocabSize}";
    }
}
