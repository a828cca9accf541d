using Pipeline.Vocabulary;

namespace Pipeline.Models;

/// <summary>How the linear head takes a sentence representation from the last hidden state.</summary>
public enum Pooling
{
    /// <summary>Masked mean over real tokens: how all-MiniLM-L6-v2 was trained (its default).</summary>
    [YamlName("mean")]
    Mean,
    /// <summary>The first token's vector (h[CLS] / h[&lt;s&gt;]).</summary>
    [YamlName("cls")]
    Cls,
}
