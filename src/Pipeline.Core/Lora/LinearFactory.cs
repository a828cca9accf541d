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
}
