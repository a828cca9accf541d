using Pipeline.Dropout;

namespace Pipeline.Vocabulary;

/// <summary>
/// Where a drop-spec value may be written: at these positions (none listed = any position) and, with
/// <see cref="Patterns"/>, only together with these patterns (none = any pattern). On the members of
/// <see cref="DropPattern"/>, <see cref="SpanStart"/> and <see cref="AttentionNormalization"/>; checked by
/// <see cref="DropRules"/> in the generator and the runtime alike, so a new member brings its own rule.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class AppliesToAttribute(params DropPosition[] positions) : Attribute
{
    public DropPosition[] Positions { get; } = positions;

    public DropPattern[] Patterns { get; set; } = [];
}
