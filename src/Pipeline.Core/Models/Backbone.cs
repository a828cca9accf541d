using Pipeline.Dropout;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// The model seam: the transformer body a task head sits on. A family's backbone reads a batch and returns the
/// last hidden state, asking the dropout plan at each position of the paper's Figure 1 what to drop. How it
/// attends (fused scaled-dot-product attention, or the explicit softmax where a method needs the weights) is
/// the family's own business; see docs/architecture.md.
/// </summary>
public abstract class Backbone(string name) : nn.Module(name)
{
    public abstract IModelConfig Config { get; }

    /// <summary><paramref name="config"/>, or an error listing every problem with it, before any module is built.</summary>
    protected static T Checked<T>(T config) where T : IModelConfig
    {
        var errors = config.Validate().ToList();
        return errors.Count == 0 ? config : throw new ArgumentException($"invalid {config.ModelType} config: " + string.Join("; ", errors));
    }

    public int LayerCount => Config.NumHiddenLayers;
    public int HiddenSize => Config.HiddenSize;

    /// <summary>The attention computation layer <paramref name="layer"/> runs under <paramref name="plan"/> in training mode.</summary>
    public virtual AttentionPath AttentionPathOf(DropoutPlan plan, int layer) => DropsAt(plan, layer).AttentionPath;

    /// <summary>What <paramref name="plan"/> drops in layer <paramref name="layer"/>; unwritten layers are the family's default (<see cref="ModelFamily.DefaultDropLayers"/>).</summary>
    public LayerDrops DropsAt(DropoutPlan plan, int layer) => LayerDrops.For(plan, layer, LayerCount, Config.Family.DefaultDropLayers);

    /// <summary>
    /// The last hidden state [B, L, D]. The plan acts only in training mode; in eval mode the pass is
    /// dropout-free and deterministic whatever the plan says.
    /// </summary>
    public abstract Tensor Forward(EncoderBatch batch, DropoutPlan? plan = null);

    /// <summary>A pretrained sentence pooler on the last hidden state (BERT's tanh(dense(h[CLS]))), where the family has one.</summary>
    public virtual Tensor Pool(Tensor hidden) =>
        throw new NotSupportedException($"{Config.ModelType} models have no pretrained pooler; use head linear or roberta");

    /// <summary>The token embedding matrices: the input embeddings and, where it is not tied to them, the LM head.</summary>
    public abstract IEnumerable<Parameter> TokenEmbeddings { get; }

    /// <summary>The module <see cref="Pool"/> runs, or null: its weights take part only under a head that reads it.</summary>
    public virtual nn.Module? Pooler => null;
}
