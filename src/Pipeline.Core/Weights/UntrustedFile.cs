using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Nodes;

namespace Pipeline.Weights;

/// <summary>
/// Opening the small files a checkpoint ships beside its weights (config.json, the shard index, tokenizer files)
/// as hostile input: a size bounded before anything is read, so an absurd file is an error naming it rather than
/// an allocation as large as the file; JSON strict about duplicate keys (the last one would otherwise win, or
/// <see cref="JsonObject"/> would throw an <see cref="ArgumentException"/> on first use) and nesting.
/// </summary>
public static class UntrustedFile
{
    /// <summary>Ten times the largest config or shard index HF writes; anything above is not a config.</summary>
    public const long MaxJsonBytes = 16L << 20;

    /// <summary>Tokenizer files: the largest real ones (250k-entry vocab.json, merges.txt, tokenizer.model) are ≈ 10 MB.</summary>
    public const long MaxTokenizerBytes = 256L << 20;

    static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The file for reading, after checking that it holds at most <paramref name="maxBytes"/>.</summary>
    public static FileStream OpenRead(string path, long maxBytes)
    {
        var stream = File.OpenRead(path);
        if (stream.Length > maxBytes)
        {
            long length = stream.Length;
            stream.Dispose();
            throw new InvalidDataException($"{path}: {length:N0} bytes, more than the {maxBytes:N0} such a file can sensibly hold (a damaged or wrong file?)");
        }
        return stream;
    }

    /// <summary>A JSON object file (config.json, tokenizer_config.json, an index): bounded, strict, every failure naming the file.</summary>
    public static JsonObject ReadJsonObject(string path)
    {
        byte[] bytes;
        using (var stream = OpenRead(path, MaxJsonBytes))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        ReadOnlySpan<byte> text = bytes;
        if (text.StartsWith("\uFEFF"u8)) text = text[3..];
        if (!Utf8.IsValid(text)) throw new InvalidDataException($"{path}: not UTF-8 text");
        try
        {
            return JsonNode.Parse(text, documentOptions: Strict) as JsonObject
                ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)   // the latter: an escaped lone surrogate in a key
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
