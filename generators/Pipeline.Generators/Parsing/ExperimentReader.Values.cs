using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Parsing;

// Typed values: YAML 1.2 core-schema scalars (plain text decides number/boolean/null; quoted is always text),
// each read value checked for its type and range at its own span.
partial class ExperimentReader
{
    static readonly Regex IntegerText = new(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    static readonly Regex FloatText = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);

    /// <summary>A range a number must lie in, in the words of the message ("in [0, 1)").</summary>
    public sealed record Range(double Min, bool MinInclusive, double Max, bool MaxInclusive, string Words)
    {
        public bool Contains(double value) =>
            (MinInclusive ? value >= Min : value > Min) && (MaxInclusive ? value <= Max : value < Max);
    }

    public static readonly Range RateRange = new(0, true, 1, false, "a rate in [0, 1)");
    public static readonly Range Positive = new(0, false, double.MaxValue, true, "> 0");
    public static readonly Range NonNegative = new(0, true, double.MaxValue, true, "≥ 0");
    public static readonly Range AtLeastOne = new(1, true, int.MaxValue, true, "≥ 1");
    public static readonly Range UnitInterval = new(0, true, 1, true, "in [0, 1]");

    /// <summary>How a scalar reads for a diagnostic ("the number 1.5", "the text 'abc'", "null").</summary>
    static string Describe(YamlNode node)
    {
        if (node is not YamlScalar scalar) return node.Describe();
        if (scalar.IsNull) return "null (nothing)";
        if (scalar.IsPlain && (IntegerText.IsMatch(scalar.Value) || FloatText.IsMatch(scalar.Value))) return $"the number {scalar.Value}";
        if (IsBooleanText(scalar)) return $"the boolean {scalar.Value}";
        return $"the text {scalar.Describe()}";
    }

    static bool IsBooleanText(YamlScalar scalar) =>
        scalar.IsPlain && scalar.Value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE";

    void WrongType(string key, string expected, YamlNode node) =>
        Report(DiagnosticDescriptors.WrongType, node.Span, key, expected, Describe(node));

    int? Integer(YamlNode node, string key, Range? range = null)
    {
        if (node is YamlScalar { IsPlain: true } scalar && IntegerText.IsMatch(scalar.Value))
        {
            if (!int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                Report(DiagnosticDescriptors.OutOfRange, node.Span, key, scalar.Value, "a whole number between −2147483648 and 2147483647");
                return null;
            }
            if (range is not null && !range.Contains(value))
            {
                Report(DiagnosticDescriptors.OutOfRange, node.Span, key, scalar.Value, range.Words);
                return null;
            }
            return value;
        }
        WrongType(key, "a whole number", node);
        return null;
    }

    double? Number(YamlNode node, string key, Range? range = null)
    {
        if (node is YamlScalar { IsPlain: true } scalar)
        {
            double? parsed = ParseNumber(scalar.Value);
            if (parsed is double value)
            {
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    Report(DiagnosticDescriptors.OutOfRange, node.Span, key, scalar.Value, "a finite number");
                    return null;
                }
                if (range is not null && !range.Contains(value))
                {
                    Report(DiagnosticDescriptors.OutOfRange, node.Span, key, scalar.Value, range.Words);
                    return null;
                }
                return value;
            }
        }
        WrongType(key, "a number", node);
        return null;
    }

    static double? ParseNumber(string text)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN": return double.NaN;
        }
        if (!FloatText.IsMatch(text)) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;
    }

    bool? Boolean(YamlNode node, string key)
    {
        if (node is YamlScalar scalar && IsBooleanText(scalar)) return scalar.Value.ToLowerInvariant() == "true";
        WrongType(key, "true or false", node);
        return null;
    }

    string? Text(YamlNode node, string key)
    {
        if (node is YamlScalar { IsNull: false } scalar) return scalar.Value;
        WrongType(key, "a text", node);
        return null;
    }

    /// <summary>One of a <see cref="NameMap"/>'s names; an unknown one gets the closest name as a hint.</summary>
    string? Name(YamlNode node, string key, NameMap names)
    {
        if (Text(node, key) is not string text) return null;
        if (names.Contains(text)) return text;
        Report(DiagnosticDescriptors.UnknownName, node.Span, names.What, text, key, Suggestions.Hint(text, names.Names));
        return null;
    }

    /// <summary>A list of names, each known and none twice.</summary>
    EquatableArray<string>? Names(YamlNode node, string key, NameMap names)
    {
        if (node is not YamlSequence sequence)
        {
            WrongType(key, $"a list of {names.What} names, e.g. [{string.Join(", ", names.Names.Take(2))}]", node);
            return null;
        }
        var result = new List<string>();
        bool ok = true;
        foreach (var item in sequence.Items)
        {
            if (Name(item, key, names) is not string name) ok = false;
            else if (result.Contains(name))
            {
                Report(DiagnosticDescriptors.Conflict, item.Span, $"'{key}' lists '{name}' twice; list each {names.What} once");
                ok = false;
            }
            else result.Add(name);
        }
        return ok ? result.ToEquatableArray() : null;
    }

    /// <summary>
    /// The entries of a mapping whose keys are among <paramref name="keys"/>: unknown keys get a
    /// "did you mean", a repeated key is reported, and the result keeps where each key was written.
    /// </summary>
    (Dictionary<string, YamlNode> Values, Located Where)? Mapping(YamlNode node, string key, string[] keys, string expected)
    {
        if (node is not YamlMapping mapping)
        {
            WrongType(key, expected, node);
            return null;
        }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var spans = new List<KeySpan>();
        foreach (var entry in mapping.Entries)
        {
            string name = entry.Key.Value;
            if (values.ContainsKey(name))
            {
                Report(DiagnosticDescriptors.DuplicateKey, entry.Key.Span, name, key);
                continue;
            }
            if (!keys.Contains(name))
            {
                Report(DiagnosticDescriptors.UnknownKey, entry.Key.Span, name, key, Suggestions.Hint(name, keys));
                continue;
            }
            values.Add(name, entry.Value);
            spans.Add(new KeySpan(name, entry.Key.Span, entry.Value.Span));
        }
        return (values, new Located(mapping.Span, spans.ToEquatableArray()));
    }
}
