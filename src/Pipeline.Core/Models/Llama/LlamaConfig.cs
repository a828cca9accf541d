namespace Pipeline.Models.Llama;

/// <summary>
/// A LLaMA decoder's shape; property names follow HF <c>config.json</c> (<c>hidden_size</c> → <see cref="HiddenSize"/>, …)
/// and the defaults are HF's LlamaConfig's. It travels into every checkpoint and run so a run can always rebuild its model.
/// </summary>
/// <param name="NumKeyValueHeads">Grouped-query attention: key/value heads, each shared by heads / kv_heads query heads;
/// null means HF's default, one per query head (and is written back as absent).</param>
/// <param name="HeadDimension">config.json's <c>head_dim</c> where it has one; null: hidden_size / num_attention_heads.</param>
/// <param name="MaxPositionEmbeddings">The longest sequence the model was trained on; rotary embeddings have no table, but
/// positions beyond it are out of distribution, so generation refuses them as GPT-2's does.</param>
/// <param name="RopeTheta">The base of the rotary frequencies, inv_freq = 1 / theta^(2i / head_dim).</param>
/// <param name="TieWordEmbeddings">The LM head shares embed_tokens' weight (no <c>lm_head.weight</c>).</param>
/// <param name="AttentionBias">Biases on q/k/v/o_proj (HF's attention_bias).</param>
/// <param name="MlpBias">Biases on gate/up/down_proj (HF's mlp_bias).</param>
/// <param name="PadToken">config.json's <c>pad_token_id</c> where it has one; LLaMA's own has none.</param>
public sealed record LlamaConfig(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int? NumKeyValueHeads = null,
    int? HeadDimension = null,
    int MaxPositionEmbeddings = 2048,
    double RmsNormEps = 1e-6,
    double RopeTheta = 10000,
    bool TieWordEmbeddings = false,
    bool AttentionBias = false,
    bool MlpBias = false,
    int BosTokenId = 1,
    int EosTokenId = 2,
    int? PadToken = null) : IModelConfig
{
    public ModelFamily Family => LlamaFamily.Instance;

    public string ModelType => "llama";

    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    public int HeadDim => HeadDimension ?? HiddenSize / NumAttentionHeads;

    /// <summary>LLaMA has no padding token: padded positions are masked out, so HF's convention applies, pad with end-of-text.</summary>
    public int PadTokenId => PadToken ?? EosTokenId;

    public int UsablePositions => MaxPositionEmbeddings;

    /// <summary>Per layer: q and o (D × H·hd each), k and v (D × KV·hd each), gate, up and down (D × F each). The LM head is not a layer's.</summary>
    public long MatmulWeights =>
        (long)NumHiddenLayers * ((long)HiddenSize * HeadDim * (2L * NumAttentionHeads + 2L * KeyValueHeads) + 3L * HiddenSize * IntermediateSize);

    /// <summary>"LLaMA: 32 layers × 4096, 32 heads (8 key/value) of 128, MLP 11008, vocab 32000, 2048 positions".</summary>
    public string Describe() =>
        $"LLaMA: {NumHiddenLayers} layers × {HiddenSize}, {NumAttentionHeads} heads ({KeyValueHeads} key/value) of {HeadDim}, " +
        $"MLP {IntermediateSize}, vocab {VocabSize}, {MaxPositionEmbeddings} positions";

    /// <summary>Llama-2-7b, the paper's LLaMA2-7B.</summary>
    public static LlamaConfig Llama2_7B { get; } = new(32000, 4096, 11008, 32, 32, NumKeyValueHeads: 32, MaxPositionEmbeddings: 4096, RmsNormEps: 1e-5);

    public IEnumerable<string> Validate()
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || IntermediateSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0
            || KeyValueHeads <= 0 || MaxPositionEmbeddings <= 0 || (HeadDimension ?? 1) <= 0)
        {
            yield return "vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads, " +
                "head_dim and max_position_embeddings must be positive";
            yield break;
        }
        if (HeadDimension is null && HiddenSize % NumAttentionHeads != 0)
            yield return $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads} (and no head_dim is given)";
        else if (HeadDim % 2 != 0)
            yield return $"the head dimension {HeadDim} is odd; rotary embeddings rotate pairs of its two halves";
        if (NumAttentionHeads % KeyValueHeads != 0)
            yield return $"num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {KeyValueHeads}";
        if (!(RmsNormEps > 0)) yield return $"rms_norm_eps {RmsNormEps} must be > 0";
        if (!(RopeTheta > 0)) yield return $"rope_theta {RopeTheta} must be > 0";
        if (EosTokenId < 0 || EosTokenId >= VocabSize) yield return $"eos_token_id {EosTokenId} is outside the vocabulary of {VocabSize}";
        if (BosTokenId < 0 || BosTokenId >= VocabSize) yield return $"bos_token_id {BosTokenId} is outside the vocabulary of {VocabSize}";
        if (PadToken is { } pad && (pad < 0 || pad >= VocabSize)) yield return $"pad_token_id {pad} is outside the vocabulary of {VocabSize}";
    }
}
