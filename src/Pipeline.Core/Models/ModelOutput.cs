using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>
/// What a task model computes for a batch: the head's outputs (class logits [B, C], a regressed value [B, 1])
/// and the representation they came from ([B, D]; regression's consistency loss compares these).
/// </summary>
public sealed record ModelOutput(Tensor Logits, Tensor Representation)
{
    public ModelOutput MoveToOuterDisposeScope() => new(Logits.MoveToOuterDisposeScope(), Representation.MoveToOuterDisposeScope());
}
