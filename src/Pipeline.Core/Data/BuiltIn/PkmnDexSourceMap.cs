using System.Text.Json;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// The data files of @pkmn/dex as its source map carries them: the package ships its JSON data bundled into
/// JavaScript, and <c>build/index.js.map</c> holds each original file in <c>sourcesContent</c> under its path in
/// <c>sources</c> (<c>../data/moves.json</c>, <c>../data/abilities.json</c>, …). Read as JSON; no JavaScript is run.
/// </summary>
public static class PkmnDexSourceMap
{
    /// <summary>The original text of <paramref name="source"/> (e.g. <c>../data/moves.json</c>) in the source map <paramref name="sourceMap"/>.</summary>
    public static string Read(string sourceMap, string source)
    {
        using var map = JsonDocument.Parse(File.ReadAllBytes(sourceMap));
        var sources = map.RootElement.TryGetProperty("sources", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : null).ToList()
            : [];
        int index = sources.IndexOf(source);
        if (index < 0 || !map.RootElement.TryGetProperty("sourcesContent", out var contents) || contents.GetArrayLength() <= index
            || contents[index].ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{sourceMap}: the source map does not carry {source}; the upstream layout changed");
        return contents[index].GetString()!;
    }
}
