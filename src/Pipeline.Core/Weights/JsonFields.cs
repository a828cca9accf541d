using System.Text.Json.Nodes;

namespace Pipeline.Weights;

/// <summary>Typed reads of config.json fields; a wrong type or a missing required key is an error naming the file and key.</summary>
public static class JsonFields
{
    public static string? String(JsonObject json, string key, string source) => json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw WrongType(source, key, "a string", other),
    };

    public static int Int(JsonObject json, string key, string source, int? fallback = null) => json[key] switch
    {
        null when fallback is { } f => f,
        null => throw new InvalidDataException($"{source}: required key '{key}' is missing"),
        JsonValue v when v.TryGetValue(out int i) => i,
        var other => throw WrongType(source, key, "an integer", other),
    };

    public static double Double(JsonObject json, string key, string source, double fallback) => json[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out double d) => d,
        var other => throw WrongType(source, key, "a number", other),
    };

    public static bool Bool(JsonObject json, string key, string source, bool fallback) => json[key] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw WrongType(source, key, "true or false", other),
    };

    static InvalidDataException WrongType(string source, string key, string expected, JsonNode? found) =>
        new($"{source}: '{key}' should be {expected}, found {found?.ToJsonString() ?? "null"}");
}
