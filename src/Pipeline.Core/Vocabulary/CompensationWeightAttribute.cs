namespace Pipeline.Vocabulary;

/// <summary>
/// On a preset parameter: the preset brings a compensation of <see cref="Kind"/> of its own, and this parameter
/// is its weight (the parameter's default is the preset's weight). YAML sets it as <c>compensation.weight</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class CompensationWeightAttribute(Type kind) : Attribute
{
    public Type Kind { get; } = kind;
}
