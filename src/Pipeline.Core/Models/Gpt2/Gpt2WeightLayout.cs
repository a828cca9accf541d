using Pipeline.Weights;

namespace Pipeline.Models.Gpt2;

/// <summary>
/// The tensors of a GPT-2 decoder in HF naming without the <c>transformer.</c> prefix (<c>wte.weight</c>,
/// <c>h.0.attn.c_attn.weight</c>, …) and the shape each has in <see cref="Gpt2Model"/>. The four projections per
/// layer are nn.Linear here, so their weights are [out, in]; the checkpoint stores them [in, out] (HF Conv1D) and
/// <see cref="Gpt2Family.FromCheckpoint"/> transposes them on the way in.
/// </summary>
public sealed class Gpt2WeightLayout(Gpt2Config config) : IWeightLayout
{
    public string? OptionalPrefix => null;

    /// <summary>The causal mask (<c>attn.bias</c>) and its fill value (<c>attn.masked_bias</c>) that older HF versions stored.</summary>
    public IReadOnlySet<string> ComputedBuffers { get; } = new HashSet<string>(
        Enumerable.Range(0, config.NLayer).SelectMany(i => new[] { $"h.{i}.attn.bias", $"h.{i}.attn.masked_bias" }), StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long[]> Shapes(bool withOptional = true) => Shapes(config);

    public static IReadOnlyDictionary<string, long[]> Shapes(Gpt2Config config)
    {
        long d = config.NEmbd, inner = config.InnerSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["wte.weight"] = [config.VocabSize, d],
            ["wpe.weight"] = [config.NPositions, d],
        };
        void Linear(string name, long inFeatures, long outFeatures)
        {
            shapes[name + ".weight"] = [outFeatures, inFeatures];   // nn.Linear keeps [out, in]; the file [in, out]
            shapes[name + ".bias"] = [outFeatures];
        }
        void LayerNorm(string name)
        {
            shapes[name + ".weight"] = [d];
            shapes[name + ".bias"] = [d];
        }

        for (int i = 0; i < config.NLayer; i++)
        {
            string layer = $"h.{i}.";
            LayerNorm(layer + "ln_1");
            Linear(layer + "attn.c_attn", d, 3 * d);
            Linear(layer + "attn.c_proj", d, d);
            LayerNorm(layer + "ln_2");
            Linear(layer + "mlp.c_fc", d, inner);
            Linear(layer + "mlp.c_proj", inner, d);
        }
        LayerNorm("ln_f");
        return shapes;
    }
}
