namespace Pipeline.Models;

/// <summary>
/// The tensors a family's backbone holds for one config, in HF naming without the task-model prefix, and the
/// shape each must have. Every importer checks against it, so a checkpoint, an ONNX graph and the module agree
/// on names and shapes by construction.
/// </summary>
public interface IWeightLayout
{
    /// <param name="withOptional">Include <see cref="OptionalPrefix"/>'s tensors.</param>
    IReadOnlyDictionary<string, long[]> Shapes(bool withOptional = true);

    /// <summary>A part that checkpoints may lack as a whole (BERT's <c>pooler.</c>); null when there is none.</summary>
    string? OptionalPrefix { get; }

    /// <summary>Buffers HF checkpoints store but the module computes (<c>embeddings.position_ids</c>): set aside on import.</summary>
    IReadOnlySet<string> ComputedBuffers { get; }
}
