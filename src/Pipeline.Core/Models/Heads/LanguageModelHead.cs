using Pipeline.Dropout;
using static TorchSharp.torch;

namespace Pipeline.Models.Heads;

/// <summary>
/// A decoder's next-token head: the backbone's own LM projection (GPT-2's tied to the token embeddings, LLaMA's
/// lm_head) over every position's last hidden state, so it adds no parameters. The output position's dropout acts
/// on the hidden state before the projection. Logits [B, L, V] in fp32; the representation is the hidden state.
/// </summary>
public sealed class LanguageModelHead() : TaskHead(nameof(LanguageModelHead))
{
    public override ModelOutput Forward(Tensor hidden, Tensor attentionMask, DropSpec? output, Backbone backbone)
    {
        if (backbone is not ICausalLanguageModel decoder)
            throw new ArgumentException($"a language-model head needs a causal decoder backbone; {backbone.Config.Describe()} is not one");
        using var scope = NewDisposeScope();
        var logits = decoder.LmLogits(Drop(hidden, output)).to(ScalarType.Float32);
        return new ModelOutput(logits.MoveToOuterDisposeScope(), hidden.alias().MoveToOuterDisposeScope());
    }
}
