using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace Pipeline.Generators.Emit;

/// <summary>C# literals and calls, culture-independent.</summary>
public static class Literals
{
    /// <summary>Lines longer than this are broken, one argument per line.</summary>
    public const int LineWidth = 100;

    /// <summary>The shortest text that round-trips the double ("0.1", "5E-05", "16"): a valid C# literal and a variant name part.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Boolean(bool value) => value ? "true" : "false";

    public static string String(string? value) => value is null ? "null" : SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>"new Type(a, b)" on one line, or one argument per line when long.</summary>
    public static string Call(string callee, IReadOnlyList<string> arguments)
    {
        string oneLine = $"{callee}({string.Join(", ", arguments)})";
        if (oneLine.Length <= LineWidth && !oneLine.Contains("\n")) return oneLine;
        return callee + "(\n" + string.Join(",\n", arguments.Select(Indent)) + ")";
    }

    /// <summary>"new[] { a, b }" on one line, or one element per line when long.</summary>
    public static string Array(string type, IReadOnlyList<string> elements)
    {
        string oneLine = $"new {type}[] {{ {string.Join(", ", elements)} }}";
        if (oneLine.Length <= LineWidth && !oneLine.Contains("\n")) return oneLine;
        return $"new {type}[]\n{{\n" + string.Join("", elements.Select(e => Indent(e) + ",\n")) + "}";
    }

    static string Indent(string fragment) => string.Join("\n", fragment.Split('\n').Select(l => l.Length == 0 ? l : "    " + l));
}
