using Pipeline.Dropout;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Models.Heads;

/// <summary>
/// pooled → output dropout → linear (<c>classifier.weight</c> [C, D], <c>classifier.bias</c>): the head of
/// BertForSequenceClassification when pooled by BERT's pretrained pooler (<see cref="HeadKind.Pooler"/>), and
/// this project's head for sentence-embedding models, pooled by mean or [CLS] (<see cref="HeadKind.Linear"/>).
/// </summary>
public sealed class LinearHead : TaskHead
{
    readonly Parameter weight, bias;

    /// <summary>How the sentence is pooled; null = the backbone's pretrained pooler.</summary>
    public Pooling? Pooling { get; }

    public override bool ReadsPooler => Pooling is null;

    public LinearHead(long hiddenSize, long outputs, Pooling? pooling) : base(nameof(LinearHead))
    {
        // nn.Linear's own initialisation (and random draws), so a seed gives the same head as it always did.
        using (var init = nn.Linear(hiddenSize, outputs))
        {
            weight = new Parameter(init.weight!.detach().clone());
            bias = new Parameter(init.bias!.detach().clone());
        }
        Pooling = pooling;
        RegisterComponents();
    }

    public override ModelOutput Forward(Tensor hidden, Tensor attentionMask, DropSpec? output, Backbone backbone)
    {
        using var scope = NewDisposeScope();
        var pooled = Pooling switch
        {
            Models.Pooling.Mean => MeanPool(hidden, attentionMask),
            Models.Pooling.Cls => hidden[.., 0],
            _ => backbone.Pool(hidden),
        };
        var logits = nn.functional.linear(Drop(pooled, output).to(weight.dtype), weight, bias);
        return new ModelOutput(logits, pooled).MoveToOuterDisposeScope();
    }
}
