namespace Pipeline.Vocabulary;

/// <summary>
/// A member that belongs to the default when its YAML key is left out (LoRA targets: query and value, the
/// paper's tables). The runtime's default and the generator's checks both read it from here.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class DefaultAttribute : Attribute;
