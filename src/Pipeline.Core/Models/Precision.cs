using Pipeline.Vocabulary;

namespace Pipeline.Models;

/// <summary>Numeric precision of the frozen weights and activations (adapters, head, optimiser state and loss stay fp32).</summary>
public enum Precision
{
    [YamlName("float32")]
    Float32,

    [YamlName("bfloat16")]
    BFloat16,
}
