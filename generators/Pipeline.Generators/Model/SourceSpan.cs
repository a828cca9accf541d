using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Pipeline.Generators.Model;

/// <summary>
/// A region of a YAML file: character offsets for Roslyn's <see cref="TextSpan"/> and 0-based line/column
/// positions for its <see cref="LinePositionSpan"/> (YamlDotNet's marks are 1-based; converted once, here).
/// </summary>
public readonly record struct SourceSpan(int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public int End => Start + Length;

    public static SourceSpan From(SourceText text, int start, int end)
    {
        start = Math.Max(0, Math.Min(start, text.Length));
        end = Math.Max(start, Math.Min(end, text.Length));
        var lines = text.Lines.GetLinePositionSpan(TextSpan.FromBounds(start, end));
        return new SourceSpan(start, end - start, lines.Start.Line, lines.Start.Character, lines.End.Line, lines.End.Character);
    }

    /// <summary>From the start of <paramref name="first"/> to the end of <paramref name="last"/>.</summary>
    public static SourceSpan Cover(SourceSpan first, SourceSpan last) =>
        new(first.Start, Math.Max(first.End, last.End) - first.Start, first.StartLine, first.StartColumn,
            last.End >= first.End ? last.EndLine : first.EndLine, last.End >= first.End ? last.EndColumn : first.EndColumn);

    public Location ToLocation(string path) =>
        Location.Create(path, new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
}

/// <summary>Where a key's value was written inside a YAML mapping.</summary>
public sealed record KeySpan(string Key, SourceSpan KeyLocation, SourceSpan ValueLocation);

/// <summary>The keys a YAML mapping spelled out, with their locations, and the mapping's own location.</summary>
public sealed record Located(SourceSpan Span, EquatableArray<KeySpan> Keys)
{
    public static Located At(SourceSpan span) => new(span, EquatableArray<KeySpan>.Empty);

    public bool Has(string key) => Keys.Any(k => k.Key == key);

    /// <summary>The value of <paramref name="key"/>, or the mapping itself when the key is absent.</summary>
    public SourceSpan ValueOf(string key) => Keys.FirstOrDefault(k => k.Key == key)?.ValueLocation ?? Span;

    /// <summary>The key itself (the word before the colon), or the mapping when absent.</summary>
    public SourceSpan KeyOf(string key) => Keys.FirstOrDefault(k => k.Key == key)?.KeyLocation ?? Span;
}
