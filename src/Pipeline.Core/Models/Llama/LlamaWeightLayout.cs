namespace Pipeline.Models.Llama;

/// <summary>
/// The tensors of a LLaMA decoder in HF naming without the <c>model.</c> prefix (<c>embed_tokens.weight</c>,
/// <c>layers.0.self_attn.q_proj.weight</c>, …, <c>norm.weight</c>) and the shape each has in <see cref="LlamaModel"/>; an
/// untied head adds <c>lm_head.weight</c>, which LlamaForCausalLM keeps outside <c>model.</c> (so it is stored without the
/// prefix, <see cref="LlamaFamily.CheckpointKey"/>). All projections are nn.Linear [out, in], as HF stores them.
/// </summary>
public sealed class LlamaWeightLayout(LlamaConfig config) : IWeightLayout
{
    public const string LmHead = "lm_head.weight";

    public string? OptionalPrefix => null;

    /// <summary>The rotary frequencies older HF versions stored per layer (<c>self_attn.rotary_emb.inv_freq</c>) and newer ones
    /// once (<c>rotary_emb.inv_freq</c>): the model computes them from rope_theta.</summary>
    public IReadOnlySet<string> ComputedBuffers { get; } = new HashSet<string>(
        Enumerable.Range(0, config.NumHiddenLayers).Select(i => $"layers.{i}.self_attn.rotary_emb.inv_freq").Append("rotary_emb.inv_freq"),
        StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long[]> Shapes(bool withOptional = true) => Shapes(config);

    public static IReadOnlyDictionary<string, long[]> Shapes(LlamaConfig config)
    {
        long d = config.HiddenSize, inner = config.IntermediateSize;
        long q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.KeyValueHeads * config.HeadDim;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { ["embed_tokens.weight"] = [config.VocabSize, d] };
        void Linear(string name, long inFeatures, long outFeatures, bool bias)
        {
            shapes[name + ".weight"] = [outFeatures, inFeatures];
            if (bias) shapes[name + ".bias"] = [outFeatures];
        }

        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string layer = $"layers.{i}.";
            shapes[layer + "input_layernorm.weight"] = [d];
            Linear(layer + "self_attn.q_proj", d, q, config.AttentionBias);
            Linear(layer + "self_attn.k_proj", d, kv, config.AttentionBias);
            Linear(layer + "self_attn.v_proj", d, kv, config.AttentionBias);
            Linear(layer + "self_attn.o_proj", q, d, config.AttentionBias);
            shapes[layer + "post_attention_layernorm.weight"] = [d];
            Linear(layer + "mlp.gate_proj", d, inner, config.MlpBias);
            Linear(layer + "mlp.up_proj", d, inner, config.MlpBias);
            Linear(layer + "mlp.down_proj", inner, d, config.MlpBias);
        }
        shapes["norm.weight"] = [d];
        if (!config.TieWordEmbeddings) shapes[LmHead] = [config.VocabSize, d];
        return shapes;
    }
}
