using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Storage;

/// <summary>
/// Writes a whole file or nothing: the content goes to a temp file in the same folder, which is then renamed
/// over the target. A rename inside one file system is atomic, so a crash or Ctrl-C never leaves a half-written
/// file that a later run would read as valid (a truncated JSON or CSV is worse than a missing one).
/// </summary>
public static class AtomicFile
{
    /// <summary>Indented, camelCase JSON: the files are read by people as well as by code.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Non-ASCII and quotes as themselves ("Debian 12 'bookworm'", not \u0027): these files are not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            // UTF-8 without a byte-order mark, the form every tool expects.
            var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            stream.Write(bytes);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray(); // a span cannot be captured by the lambda
        Write(path, stream => stream.Write(copy));
    }

    public static void WriteJson<T>(string path, T value, JsonSerializerOptions? options = null) =>
        Write(path, stream => JsonSerializer.Serialize(stream, value, options ?? JsonOptions));

    /// <summary>Reads a file written by <see cref="WriteJson{T}"/>; a file that does not parse names itself in the error.</summary>
    public static T ReadJson<T>(string path, JsonSerializerOptions? options = null)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return JsonSerializer.Deserialize<T>(stream, options ?? JsonOptions)
                ?? throw new InvalidDataException($"{path}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}: not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Streams the content into a temp file beside <paramref name="path"/>, flushes it to disk, then renames it into place.</summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        // Same folder as the target: a rename across file systems would be a copy, which is not atomic.
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
