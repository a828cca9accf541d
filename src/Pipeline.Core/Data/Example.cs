namespace Pipeline.Data;

/// <summary>
/// One example: its text (and the second text of a pair) and what it should produce — a class, a number or a text.
/// </summary>
public sealed record Example(string Text, string? TextPair, Target Target);

/// <summary>An example with the key that decides its split: examples sharing a key never straddle train and test.</summary>
public sealed record GroupedExample(Example Example, string GroupKey);
