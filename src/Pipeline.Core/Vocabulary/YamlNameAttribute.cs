namespace Pipeline.Vocabulary;

/// <summary>
/// The name a value, a compensation, a preset or a preset parameter has in experiment YAML — declared once, on
/// the thing it names, like System.Text.Json's [JsonPropertyName]. The experiment generator reads it from the
/// compilation and the runtime by reflection (<see cref="YamlVocabulary"/>); nothing else spells it out.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class YamlNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
