using Pipeline.Dropout;
using static TorchSharp.torch;

namespace Pipeline.Models.Heads;

/// <summary>
/// A task's head on a backbone's last hidden state. Its dropouts are the paper's "output" position; it runs in its
/// own dtype (fp32 under bf16 frozen weights), so logits and losses stay fp32. Its parameters are named as in
/// HF's task models (<c>classifier.*</c>), so checkpoints and exports line up.
/// </summary>
public abstract class TaskHead(string name) : nn.Module(name)
{
    /// <param name="hidden">The last hidden state [B, L, D].</param>
    /// <param name="attentionMask">[B, L], 1 = real token.</param>
    /// <param name="output">The plan's spec at the output position (training mode only), or null.</param>
    /// <param name="backbone">For heads that use the backbone's pretrained pooler.</param>
    public abstract ModelOutput Forward(Tensor hidden, Tensor attentionMask, DropSpec? output, Backbone backbone);

    /// <summary>Whether <see cref="Forward"/> reads the backbone's pretrained pooler (<see cref="Backbone.Pool"/>).</summary>
    public virtual bool ReadsPooler => false;

    /// <summary>A head of <paramref name="kind"/> with <paramref name="outputs"/> outputs on a D = <paramref name="hiddenSize"/> backbone.</summary>
    public static TaskHead Create(HeadKind kind, Pooling pooling, long hiddenSize, long outputs) => kind switch
    {
        HeadKind.Linear => new LinearHead(hiddenSize, outputs, pooling),
        HeadKind.Pooler => new LinearHead(hiddenSize, outputs, pooling: null),
        HeadKind.Roberta => new RobertaHead(hiddenSize, outputs),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown head"),
    };

    /// <summary>Inverted dropout at the output position, or the input unchanged.</summary>
    protected static Tensor Drop(Tensor x, DropSpec? output) => output is null ? x : nn.functional.dropout(x, output.Rate, training: true);

    /// <summary>Σ h·mask / max(Σ mask, 1e-9), as sentence-transformers computes it.</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.unsqueeze(-1).to(hidden.dtype);
        return ((hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)).MoveToOuterDisposeScope();
    }
}
