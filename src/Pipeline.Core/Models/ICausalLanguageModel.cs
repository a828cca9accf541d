using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// A backbone that predicts the next token (GPT-2, LLaMA): what generation (<c>Generation/</c>) needs, without knowing the
/// family. Decoding is always dropout-free and without gradients, whatever the module's mode: dropout plans belong to
/// training.
/// </summary>
public interface ICausalLanguageModel
{
    IModelConfig Config { get; }

    /// <summary>The longest sequence (prompt + generated tokens, padding included) the model has positions for.</summary>
    int MaxPositions { get; }

    /// <summary>
    /// Reads <paramref name="ids"/> [B, N] (with their attention mask [B, N], 1 = real) after the tokens of
    /// <paramref name="past"/> (null: none) and returns the next-token logits at each of them [B, N, V] and a new
    /// cache holding all the tokens (<paramref name="past"/> is left as it was; the caller disposes both). Padding may
    /// sit anywhere, left padding included: positions count real tokens only, as HF's position_ids from the
    /// attention mask do.
    /// </summary>
    (Tensor Logits, KvCache Cache) Decode(Tensor ids, Tensor attentionMask, KvCache? past = null);

    /// <summary>
    /// Next-token logits [B, L, V] of a last hidden state [B, L, D] (<see cref="Backbone.Forward"/>'s output): the
    /// family's LM head (GPT-2: tied to the token embeddings; LLaMA: lm_head, or tied). Training a causal-LM task reads
    /// the logits through this, under the dropout plan of the forward pass that made <paramref name="hidden"/>.
    /// </summary>
    Tensor LmLogits(Tensor hidden);
}
