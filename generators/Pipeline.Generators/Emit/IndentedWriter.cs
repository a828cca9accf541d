using System.Text;

namespace Pipeline.Generators.Emit;

/// <summary>Builds C# text line by line at an indentation level (four spaces, '\n' line ends, as checked in).</summary>
public sealed class IndentedWriter
{
    readonly StringBuilder text = new();
    int depth;

    public IndentedWriter Line(string line = "")
    {
        // A multi-line fragment (a long constructor call) keeps its own relative indentation.
        foreach (var part in line.Split('\n'))
        {
            if (part.Length > 0) text.Append(' ', depth * 4).Append(part);
            text.Append('\n');
        }
        return this;
    }

    public IndentedWriter Open(string line)
    {
        Line(line);
        Line("{");
        depth++;
        return this;
    }

    public IndentedWriter Close(string suffix = "")
    {
        depth--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => text.ToString();
}
