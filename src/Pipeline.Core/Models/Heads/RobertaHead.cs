using Pipeline.Dropout;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Models.Heads;

/// <summary>
/// HF's RobertaClassificationHead, the paper's NLU head: h[&lt;s&gt;] → dropout → <c>dense</c> (D→D) → tanh →
/// dropout → <c>out_proj</c> (D→C). Both dropouts are the paper's "output" position and take its rate.
/// </summary>
public sealed class RobertaHead : TaskHead
{
    readonly Linear dense, out_proj;

    public RobertaHead(long hiddenSize, long outputs) : base(nameof(RobertaHead))
    {
        dense = nn.Linear(hiddenSize, hiddenSize);
        out_proj = nn.Linear(hiddenSize, outputs);
        RegisterComponents();
    }

    public override ModelOutput Forward(Tensor hidden, Tensor attentionMask, DropSpec? output, Backbone backbone)
    {
        using var scope = NewDisposeScope();
        var first = hidden[.., 0];
        var x = dense.call(Drop(first, output).to(dense.weight!.dtype)).tanh();
        var logits = out_proj.call(Drop(x, output));
        return new ModelOutput(logits, first).MoveToOuterDisposeScope();
    }
}
