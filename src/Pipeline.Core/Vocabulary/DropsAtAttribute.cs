using Pipeline.Dropout;

namespace Pipeline.Vocabulary;

/// <summary>
/// The position a single-position preset drops at (DropKey: attention_logits), so a <c>pattern</c> given to
/// the preset can be checked against that position before the preset is ever called.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DropsAtAttribute(DropPosition position) : Attribute
{
    public DropPosition Position { get; } = position;
}
