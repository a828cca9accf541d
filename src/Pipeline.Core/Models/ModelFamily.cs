using System.Text.Json.Nodes;
using Pipeline.Lora;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// Everything that differs between model families, behind one object: reading and writing HF
/// <c>config.json</c>, the weight layout, building the backbone (its linear layers through a
/// <see cref="LinearFactory"/>, so LoRA injection does not know the family), and the HF task model's naming.
/// A new family is a new folder under Models/ and one line in <see cref="ModelFamilies"/>.
/// </summary>
public abstract class ModelFamily
{
    /// <summary>For messages: "BERT family".</summary>
    public abstract string Name { get; }

    /// <summary>The config.json <c>model_type</c> values this family reads.</summary>
    public abstract IReadOnlyList<string> ModelTypes { get; }

    /// <summary>The shape from config.json; an unsupported field is an error naming the file and the field.</summary>
    public abstract IModelConfig ReadConfig(JsonObject json, string modelType, string source);

    /// <summary>The config.json HF would write for <paramref name="config"/>.</summary>
    public abstract JsonObject WriteConfig(IModelConfig config);

    public abstract IWeightLayout Layout(IModelConfig config);

    public abstract Backbone CreateBackbone(IModelConfig config, LinearFactory linears);

    /// <summary>
    /// The LoRA targets this family's backbone has a projection for: all but <see cref="LoraTarget.FfnGate"/> unless the
    /// family has a gated FFN (LLaMA). <see cref="CheckLoraTargets"/> refuses the others.
    /// </summary>
    public virtual IReadOnlyList<LoraTarget> LoraTargets { get; } = [.. Enum.GetValues<LoraTarget>().Where(t => t != LoraTarget.FfnGate)];

    /// <summary>
    /// The HF module that LoRA target <paramref name="target"/> adapts in layer <paramref name="layer"/>, relative to the
    /// backbone (<c>encoder.layer.0.attention.self.query</c>, <c>h.0.attn.c_attn</c>, <c>layers.0.self_attn.q_proj</c>),
    /// as PEFT names it in an adapter. Targets that adapt slices of one fused projection (GPT-2's query, key and value
    /// in <c>c_attn</c>) give the same module. Exports and imports of PEFT adapters read this (Interop/).
    /// </summary>
    public abstract string LoraModulePath(IModelConfig config, LoraTarget target, int layer);

    /// <summary>
    /// An <see cref="ArgumentException"/> naming every target of <paramref name="lora"/> the family has no projection for
    /// (ffn_gate on BERT or GPT-2): an adapter asked for and never built would train nothing, silently.
    /// </summary>
    public void CheckLoraTargets(LoraOptions? lora)
    {
        var missing = (lora?.Targets ?? []).Where(t => !LoraTargets.Contains(t)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"LoRA target{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(t => Vocabulary.YamlVocabulary.NameOf(t)))}: " +
                $"the {Name} has no such projection (no gated FFN); its targets are {string.Join(", ", LoraTargets.Select(t => Vocabulary.YamlVocabulary.NameOf(t)))}");
    }

    /// <summary>
    /// Where the backbone sits in HF's task models (<c>bert</c> in BertForSequenceClassification, <c>roberta</c> in
    /// RobertaForSequenceClassification): the checkpoint key prefix, and the backbone's name in <see cref="TaskModel"/>.
    /// </summary>
    public abstract string BackboneName(IModelConfig config);

    /// <summary>The classification head HF's task model uses for this config.</summary>
    public abstract HeadKind DefaultHead(IModelConfig config, bool hasPooler);

    /// <summary>
    /// The linear head's pooling for a checkpoint that does not say (sentence-transformers ones do): the first
    /// token ([CLS], &lt;s&gt;) for encoders.
    /// </summary>
    public virtual Pooling DefaultPooling(IModelConfig config) => Pooling.Cls;

    /// <summary>
    /// The layers a per-layer dropout acts in when the experiment does not say: every layer (encoders). Decoder
    /// families say the latter half — the paper's rule for decoder-only models (PAPER.md, NLG settings).
    /// </summary>
    public virtual Dropout.LayerSelection DefaultDropLayers => Dropout.LayerSelection.All;

    /// <summary>
    /// Whether the checkpoint's WordPiece or byte-level BPE files make an <see cref="Text.EncoderTokenizer"/> (BERT's
    /// and RoBERTa's conventions). A family whose tokenizer follows other conventions says no, and its checkpoints
    /// load without one.
    /// </summary>
    public virtual bool UsesEncoderTokenizer => true;

    /// <summary>
    /// A decoder family's own tokenizer from the checkpoint <paramref name="directory"/> (GPT-2: byte-level BPE from
    /// vocab.json + merges.txt, no special tokens added, end-of-text from the config); null where the family has
    /// none (encoders) or the files are missing. A damaged file is an <see cref="InvalidDataException"/>.
    /// </summary>
    public virtual Text.DecoderTokenizer? LoadDecoderTokenizer(string directory, IModelConfig config) => null;

    /// <summary>The files <see cref="LoadDecoderTokenizer"/> reads, for the message when they are missing; null for encoders.</summary>
    public virtual string? DecoderTokenizerFiles => null;

    /// <summary>
    /// A checkpoint tensor (HF key <paramref name="key"/>, layout name <paramref name="name"/>) as the backbone holds
    /// it. Identity by default; GPT-2 overrides it because HF's Conv1D stores its weights [in, out] where our
    /// modules are plain nn.Linear [out, in]. A wrong shape must be reported as the shape the file should have.
    /// </summary>
    public virtual Tensor FromCheckpoint(IModelConfig config, string name, string key, Tensor tensor, string source) => tensor;

    /// <summary>The inverse of <see cref="FromCheckpoint"/>, for writing checkpoints HF can read.</summary>
    public virtual Tensor ToCheckpoint(IModelConfig config, string name, Tensor tensor) => tensor;

    /// <summary>
    /// The checkpoint key of layout name <paramref name="name"/> under the task model's <paramref name="keyPrefix"/>
    /// (<c>bert.</c>, <c>model.</c>, or ""): the prefix and the name, except where HF's task model keeps a tensor beside
    /// the backbone (LLaMA's <c>lm_head.weight</c>).
    /// </summary>
    public virtual string CheckpointKey(IModelConfig config, string name, string keyPrefix) => keyPrefix + name;

    public override string ToString() => Name;
}
