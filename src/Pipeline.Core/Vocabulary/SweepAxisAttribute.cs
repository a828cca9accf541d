namespace Pipeline.Vocabulary;

/// <summary>
/// The sweep axis (<c>sweep: {key_rate: [...]}</c>) that sets the rate of a dropout list's entries at this
/// position. On <see cref="Dropout.DropPosition"/> members; a preset parameter of the same YAML name
/// (hiddenkey's <c>key_rate</c>) is swept by the same axis.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class SweepAxisAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
