using Pipeline.Vocabulary;

namespace Pipeline.Dropout;

/// <summary>Where in the transformer a dropout acts: the paper's first dimension ("dropping position", §2.5).</summary>
public enum DropPosition
{
    /// <summary>
    /// The input embedding sequence (cutoff, Shen et al. 2020), applied where BERT applies its embedding dropout:
    /// after the embeddings' LayerNorm. Column = token cutoff, Feature = feature cutoff, Span = span cutoff.
    /// </summary>
    [YamlName("input"), SweepAxis("input_rate")]
    Input,

    /// <summary>
    /// Attention logits, before the softmax (DropKey, Eq. 3): a dropped key gets −∞ (the dtype's lowest finite
    /// value), with no rescaling — the softmax renormalises over the kept keys.
    /// </summary>
    [YamlName("attention_logits"), PerLayer, SweepAxis("key_rate")]
    AttentionLogits,

    /// <summary>
    /// Attention weights, after the softmax (DropAttention, Eq. 1–2): w̄ = m·w, then w' = w̄ / NoGrad(Σ w̄)
    /// ("normalized rescaling"). The variant without NoGrad has DropKey's forward and backward pass.
    /// </summary>
    [YamlName("attention_weights"), PerLayer, SweepAxis("attention_rate")]
    AttentionWeights,

    /// <summary>
    /// The FFN's hidden representation (HiddenCut): the FFN output after the down-projection, before the
    /// residual add and LayerNorm — where the official HiddenCut code cuts and where BERT's hidden dropout sits.
    /// </summary>
    [YamlName("hidden"), PerLayer, SweepAxis("hidden_rate")]
    Hidden,

    /// <summary>The head's dropouts: the pooled representation entering the classifier (standard dropout, "a more robust classifier").</summary>
    [YamlName("output"), SweepAxis("output_rate")]
    Output,
}

public static class DropPositionExtensions
{
    static readonly IReadOnlyList<DropPosition> perLayer = YamlVocabulary.Marked<DropPosition, PerLayerAttribute>();

    /// <summary>Positions that sit inside every transformer layer (and so take a layer selection): those marked [PerLayer].</summary>
    public static bool IsPerLayer(this DropPosition position) => perLayer.Contains(position);
}
