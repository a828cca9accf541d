namespace Pipeline.Models;

/// <summary>
/// A pretrained model's shape, as its family reads it from HF <c>config.json</c>. It travels into every run and
/// checkpoint, and says which <see cref="ModelFamily"/> builds the model.
/// </summary>
public interface IModelConfig
{
    /// <summary>The family that reads, builds and loads models of this shape.</summary>
    ModelFamily Family { get; }

    /// <summary>HF's <c>model_type</c> (bert, roberta, …).</summary>
    string ModelType { get; }

    int VocabSize { get; }
    int HiddenSize { get; }
    int NumHiddenLayers { get; }
    int PadTokenId { get; }

    /// <summary>The longest input the position embeddings allow.</summary>
    int UsablePositions { get; }

    /// <summary>Weights of the matmuls in all layers (the P of FLOPs = 2·P·tokens), for MFU reports.</summary>
    long MatmulWeights { get; }

    /// <summary>Problems with the shape, each naming the config.json key; empty when valid.</summary>
    IEnumerable<string> Validate();

    /// <summary>A one-line summary for messages and listings.</summary>
    string Describe();
}
