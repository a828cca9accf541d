namespace Pipeline.Vocabulary;

/// <summary>
/// A dropping position that sits inside every transformer layer, so a drop spec there takes a layer selection
/// (<c>layers</c>); the others (input, output) occur once per forward pass.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class PerLayerAttribute : Attribute;
