using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pipeline.Generators.Parsing;

/// <summary>
/// YAML text → <see cref="YamlNode"/> tree through YamlDotNet's event parser, keeping each node's span.
/// Syntax errors become PL0001 at the parser's marks; features an experiment file has no use for
/// (several documents, complex keys) become PL0012. Aliases are resolved to their anchored node.
/// </summary>
public sealed class YamlTreeParser
{
    readonly SourceText text;
    readonly string path;
    readonly List<DiagnosticInfo> diagnostics;
    readonly Dictionary<string, YamlNode> anchors = new(StringComparer.Ordinal);
    IParser parser = null!;

    YamlTreeParser(SourceText text, string path, List<DiagnosticInfo> diagnostics)
    {
        this.text = text;
        this.path = path;
        this.diagnostics = diagnostics;
    }

    /// <summary>The document's root node, or null when the file is empty or not valid YAML (diagnostics say why).</summary>
    public static YamlNode? Parse(SourceText text, string path, List<DiagnosticInfo> diagnostics) =>
        new YamlTreeParser(text, path, diagnostics).ParseStream();

    YamlNode? ParseStream()
    {
        string content = text.ToString();
        parser = new Parser(new StringReader(content));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = ParseNode();
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Unsupported, path, SpanAt(second.Start, second.End),
                    "An experiment file holds one YAML document; remove the second '---' and what follows or move it to its own file"));
                return null;
            }
            return root;
        }
        catch (YamlException e)
        {
            var span = SpanAt(e.Start, e.End);
            // YamlDotNet marks a tab in the indentation at the mapping it belongs to; point at the tab itself.
            int tab = e.Message.IndexOf("tab", StringComparison.OrdinalIgnoreCase) >= 0 ? content.IndexOf('\t', span.Start) : -1;
            if (tab >= 0) span = SourceSpan.From(text, tab, tab + 1);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.YamlSyntax, path, span, CleanMessage(e)));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail this way on some malformed input (an unclosed flow collection
            // before a block key); it is still a syntax error, reported where the parser last was.
            int at = parser.Current is { } current ? (int)current.Start.Index : 0;
            var line = text.Lines.GetLineFromPosition(Math.Min(at, text.Length));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.YamlSyntax, path, SpanAt(new Mark(at, 1, 1), new Mark(line.End, 1, 1)),
                "the YAML is malformed from here on (an unclosed '[' or '{'?)"));
            return null;
        }
    }

    YamlNode ParseNode()
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target)) return target;
            throw new YamlException(alias.Start, alias.End, $"the alias '*{alias.Value.Value}' names no anchor before it");
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var node = new YamlScalar(scalar.Value, scalar.Style == ScalarStyle.Plain, SpanAt(scalar.Start, scalar.End));
            return Remember(scalar, node);
        }
        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            var sequence = new YamlSequence(SpanAt(sequenceStart.Start, sequenceStart.End));
            Remember(sequenceStart, sequence);
            SequenceEnd end;
            while (!parser.TryConsume(out end!))
                sequence.Items.Add(ParseNode());
            sequence.Span = Extend(sequence.Span, sequence.Items.Count > 0 ? sequence.Items[sequence.Items.Count - 1].Span : sequence.Span, sequenceStart.Style == SequenceStyle.Flow ? end : null);
            return sequence;
        }
        if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            var mapping = new YamlMapping(SpanAt(mappingStart.Start, mappingStart.End));
            Remember(mappingStart, mapping);
            MappingEnd end;
            while (!parser.TryConsume(out end!))
            {
                var keyNode = ParseNode();
                var value = ParseNode();
                if (keyNode is YamlScalar key)
                    mapping.Entries.Add(new YamlEntry(key, value));
                else
                    throw new YamlException(Mark(keyNode.Span.Start), Mark(keyNode.Span.End), "keys must be plain names, not lists or mappings");
                mapping.Span = Extend(mapping.Span, value.Span, null);
            }
            if (mappingStart.Style == MappingStyle.Flow) mapping.Span = Extend(mapping.Span, mapping.Span, end);
            return mapping;
        }
        var unexpected = parser.Current!;
        throw new YamlException(unexpected.Start, unexpected.End, $"unexpected {unexpected.GetType().Name}");
    }

    YamlNode Remember(NodeEvent e, YamlNode node)
    {
        if (!e.Anchor.IsEmpty) anchors[e.Anchor.Value] = node;
        return node;
    }

    SourceSpan Extend(SourceSpan span, SourceSpan last, ParsingEvent? closing)
    {
        if (closing is null) return SourceSpan.Cover(span, last);
        // A flow collection ends at its closing bracket, included.
        int end = (int)Math.Min(closing.End.Index, text.Length);
        if (end < text.Length && text[end] is '}' or ']') end++;
        return SourceSpan.From(text, span.Start, Math.Max(end, last.End));
    }

    static Mark Mark(int index) => new(index, 1, 1);

    /// <summary>A non-empty span at the parser's marks: an empty pair covers the character there (or the last one).</summary>
    SourceSpan SpanAt(Mark start, Mark end)
    {
        int s = (int)Math.Min(Math.Max(0, start.Index), text.Length);
        int e = (int)Math.Min(Math.Max(s, end.Index), text.Length);
        if (e == s)
        {
            if (s < text.Length) e = s + 1;
            else if (s > 0) s -= 1;
        }
        return SourceSpan.From(text, s, e);
    }

    /// <summary>YamlDotNet prefixes messages with its own "(Line: …)" marks; the diagnostic has the location already.</summary>
    static string CleanMessage(YamlException e)
    {
        string message = e.Message;
        int close = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line:", StringComparison.Ordinal) && close > 0) message = message.Substring(close + 3);
        return message.TrimEnd('.');
    }
}
