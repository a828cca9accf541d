using Pipeline.Vocabulary;

namespace Pipeline.Models;

/// <summary>
/// The classification head on top of a backbone, as the Hugging Face task models build it. Its dropouts are the
/// paper's "output" position. State-dict names follow HF, so checkpoints and exports line up.
/// </summary>
public enum HeadKind
{
    /// <summary>pooled (mean or [CLS], <see cref="Pooling"/>) → output dropout → <c>classifier</c> (Linear D→C).</summary>
    [YamlName("linear")]
    Linear,

    /// <summary>
    /// BertForSequenceClassification: BERT's pretrained pooler tanh(dense(h[CLS])) → output dropout →
    /// <c>classifier</c> (Linear D→C). Needs a checkpoint with a pooler.
    /// </summary>
    [YamlName("pooler")]
    Pooler,

    /// <summary>
    /// RobertaClassificationHead: h[&lt;s&gt;] → output dropout → <c>classifier.dense</c> (D→D) → tanh → output
    /// dropout → <c>classifier.out_proj</c> (D→C). The default for RoBERTa checkpoints, as in HF and the paper.
    /// </summary>
    [YamlName("roberta")]
    Roberta,
}
