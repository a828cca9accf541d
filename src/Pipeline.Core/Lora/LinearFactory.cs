using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Lora;

/// <summary>
/// Builds a model's linear layers: a plain <c>nn.Linear</c>, or a <see cref="LoraLinear"/> where the LoRA
/// options target that role. Models ask for every adaptable layer through this, which is the whole of the
/// "model surgery": the adapter math stays in <see cref="LoraLinear"/>.
/// </summary>
public sealed class LinearFactory(LoraOptions? lora)
{
    public static LinearFactory Plain { get; } = new(null);

    public LoraOptions? Lora { get; } = lora;

    public nn.Module<Tensor, Tensor> Create(LoraTarget role, long inFeatures, long outFeatures, bool hasBias = true)
    {
        int rank = Lora?.RankFor(role) ?? 0;
        if (rank == 0)
            return nn.Linear(inFeatures, outFeatures, hasBias);
        return new LoraLinear(inFeatures, outFeatures, hasBias, rank, Lora!.ScalingFor(rank), Lora.Dropout);
    }

    /// <summary>
    /// A fused projection whose output is <paramref name="slices"/> side by side, each <paramref name="sliceWidth"/>
    /// wide (GPT-2's c_attn: query, key, value): a plain <c>nn.Linear</c> when no slice is targeted, else a
    /// <see cref="FusedLoraLinear"/> with an adapter on each targeted slice only.
    /// </summary>
    public nn.Module<Tensor, Tensor> CreateFused(IReadOnlyList<LoraTarget> slices, long inFeatures, long sliceWidth, bool hasBias = true)
    {
        var ranks = new Dictionary<string, (int, double)>(StringComparer.Ordinal);
        foreach (var slice in slices)
            if ((Lora?.RankFor(slice) ?? 0) is > 0 and var rank) ranks[SliceName(slice)] = (rank, Lora!.ScalingFor(rank));
        if (ranks.Count == 0)
            return nn.Linear(inFeatures, sliceWidth * slices.Count, hasBias);
        return new FusedLoraLinear(inFeatures, sliceWidth, slices.Select(SliceName).ToList(), hasBias, ranks, Lora!.Dropout);
    }

    /// <summary>A slice's name in adapter keys: its YAML name (<c>lora_A.query.weight</c>).</summary>
    public static string SliceName(LoraTarget target) => Vocabulary.YamlVocabulary.NameOf(target);
}
