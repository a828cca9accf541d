using System.Collections.Generic;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Parsing;

/// <summary>
/// The YAML document as a small tree that remembers where every node was written. Built once per file by
/// <see cref="YamlTreeParser"/> and read by <see cref="ExperimentReader"/>; never stored in the incremental model.
/// </summary>
public abstract class YamlNode
{
    protected YamlNode(SourceSpan span) => Span = span;

    public SourceSpan Span { get; internal set; }

    /// <summary>What the node is, in the words of a diagnostic ("a mapping", "the text 'abc'").</summary>
    public abstract string Describe();
}

public sealed class YamlScalar : YamlNode
{
    public YamlScalar(string value, bool isPlain, SourceSpan span) : base(span)
    {
        Value = value;
        IsPlain = isPlain;
    }

    public string Value { get; }

    /// <summary>Unquoted: its type (number, boolean, null) comes from its text (YAML 1.2 core schema).</summary>
    public bool IsPlain { get; }

    public bool IsNull => IsPlain && (Value.Length == 0 || Value is "~" or "null" or "Null" or "NULL");

    public override string Describe() => IsNull ? "null" : $"'{(Value.Length > 40 ? Value.Substring(0, 40) + "…" : Value)}'";
}

public sealed class YamlSequence : YamlNode
{
    public YamlSequence(SourceSpan span) : base(span) { }

    public List<YamlNode> Items { get; } = [];

    public override string Describe() => "a list";
}

public sealed class YamlMapping : YamlNode
{
    public YamlMapping(SourceSpan span) : base(span) { }

    public List<YamlEntry> Entries { get; } = [];

    public override string Describe() => "a mapping";
}

/// <summary>One "key: value" of a mapping; keys are scalars (the parser reports any other key).</summary>
public sealed class YamlEntry
{
    public YamlEntry(YamlScalar key, YamlNode value)
    {
        Key = key;
        Value = value;
    }

    public YamlScalar Key { get; }
    public YamlNode Value { get; }
}
