using System.Text.Json;

namespace Pipeline.Data.Formats;

/// <summary>
/// Reads JSON Lines: one object per line, fields named by <see cref="DataOptions"/>. Texts must be strings; a label
/// may be a string or a number (1, 0.5) and is kept as written, so "1" and 1 mean the same class.
/// </summary>
public static class JsonlLoader
{
    public static List<RawExample> Read(string file, DataOptions options) => ReadRows(file, (line, row) =>
    {
        string first = Text(file, line, row, options.TextColumn);
        string? second = options.PairColumn is null ? null : Text(file, line, row, options.PairColumn);
        string label = Label(file, line, row, options.LabelColumn);
        string key = options.GroupColumn is null
            ? second is null ? first : first + "\t" + second
            : Scalar(file, line, row, options.GroupColumn);
        return new RawExample(file, line, first, second, label, key);
    });

    /// <summary>
    /// The prompt_target format: <c>{"prompt": …, "target": …}</c>, or <c>"targets": [...]</c> (one or more
    /// references; training learns the first, or <c>target</c> when both are given and evaluation scores against all).
    /// Grouped by prompt.
    /// </summary>
    public static List<RawExample> ReadPromptTarget(string file) => ReadRows(file, (line, row) =>
    {
        string prompt = Text(file, line, row, "prompt");
        bool hasTarget = row.TryGetProperty("target", out var one) && one.ValueKind != JsonValueKind.Null;
        bool hasTargets = row.TryGetProperty("targets", out var many) && many.ValueKind != JsonValueKind.Null;
        if (!hasTarget && !hasTargets)
            throw new InvalidDataException($"{file}:{line}: missing field 'target' (a string) or 'targets' (a list of strings)");
        var references = new List<string>();
        if (hasTarget) references.Add(Text(file, line, row, "target"));
        if (hasTargets)
        {
            if (many.ValueKind != JsonValueKind.Array || many.GetArrayLength() == 0 || many.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                throw new InvalidDataException($"{file}:{line}: field 'targets' must be a non-empty list of strings");
            references.AddRange(many.EnumerateArray().Select(t => t.GetString()!).Where(t => !references.Contains(t)));
        }
        return new RawExample(file, line, prompt, null, references[0], prompt) { References = references };
    });

    static List<RawExample> ReadRows(string file, Func<int, JsonElement, RawExample> read)
    {
        using var reader = new StringReader(DelimitedText.ReadText(file));
        var examples = new List<RawExample>();
        int line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement row;
            try
            {
                using var document = JsonDocument.Parse(text);
                row = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}:{line}: not valid JSON: {e.Message}");
            }
            if (row.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{file}:{line}: expected a JSON object, found {row.ValueKind}");
            examples.Add(read(line, row));
        }
        if (examples.Count == 0) throw new InvalidDataException($"{file}: no examples (the file is empty)");
        return examples;
    }

    static JsonElement Field(string file, int line, JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new InvalidDataException($"{file}:{line}: missing field '{name}'");

    static string Text(string file, int line, JsonElement row, string name)
    {
        var value = Field(file, line, row, name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{file}:{line}: field '{name}' must be a string, found {value.ValueKind}");
    }

    static string Label(string file, int line, JsonElement row, string name)
    {
        var value = Field(file, line, row, name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False => value.GetRawText(), // "true"/"false" as class names
            _ => throw new InvalidDataException($"{file}:{line}: field '{name}' must be a string or a number, found {value.ValueKind}"),
        };
    }

    static string Scalar(string file, int line, JsonElement row, string name)
    {
        var value = Field(file, line, row, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }
}
