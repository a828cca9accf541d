using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>One tensor of a safetensors header: dtype, shape, and byte range within the data section.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads <c>.safetensors</c> files as hostile input and writes them through TorchSharp.PyBridge (never its pickle
/// loader). The header is checked before a tensor is allocated: its length within the file, strict UTF-8 JSON
/// (no duplicate names, bounded nesting), known dtypes, every shape's size matching its byte range, and the ranges
/// tiling the data section exactly — in range, none overlapping, no gap or trailing bytes, as the format's reference
/// reader requires. Only then are the tensors read, each from its own range; nothing the header says is used as a path.
/// (PyBridge's reader is not used: it allocates before it checks and parses <c>__metadata__</c> as a tensor entry.)
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Header sizes above this are not a model index but a damaged length field.</summary>
    const long MaxHeaderBytes = 100L << 20;

    static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    static readonly Dictionary<string, ScalarType> ScalarTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Duplicate names are an error (a reader would otherwise keep one of the two silently); nesting is bounded.</summary>
    static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The checked header (no tensor data is read): names, dtypes, shapes.</summary>
    public static IReadOnlyList<SafetensorsEntry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength < 8 || stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw Damaged(path, "shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Damaged(path, $"header length {headerLength} does not fit a file of {fileLength} bytes");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;

        if (!Utf8.IsValid(header)) throw Damaged(path, "the header is not UTF-8 text");
        var entries = new List<SafetensorsEntry>();
        try
        {
            using var json = JsonDocument.Parse(header, StrictJson);
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw Damaged(path, "the header is not a JSON object");
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object || property.Value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                        throw Damaged(path, "__metadata__ is not an object of strings");
                    continue;
                }
                entries.Add(Entry(path, property, dataLength));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw Damaged(path, $"the header is not valid safetensors JSON ({e.Message})");
        }
        CheckTiling(path, entries, dataLength);
        return entries;
    }

    /// <summary>The byte ranges, in order, must cover the data section exactly once (the reference reader's rule).</summary>
    static void CheckTiling(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        long covered = 0;
        SafetensorsEntry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin < covered)
                throw Damaged(path, $"tensors '{previous!.Name}' and '{entry.Name}' overlap (bytes {entry.Begin}..{Math.Min(covered, entry.End)} of the data)");
            if (entry.Begin > covered)
                throw Damaged(path, $"bytes {covered}..{entry.Begin} of the data belong to no tensor (before '{entry.Name}')");
            covered = entry.End;
            previous = entry;
        }
        if (covered != dataLength)
            throw Damaged(path, $"the data section holds {dataLength} bytes but its tensors cover {covered} (truncated or padded file?)");
    }

    static SafetensorsEntry Entry(string path, JsonProperty property, long dataLength)
    {
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object) throw Damaged(path, $"tensor '{property.Name}' is not an object of dtype, shape and data_offsets");
        string dtype = value.GetProperty("dtype").GetString() ?? "";
        if (!ElementSizes.TryGetValue(dtype, out int elementSize))
            throw Damaged(path, $"tensor '{property.Name}' has unknown dtype '{dtype}'");
        long[] shape = [.. value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
        long[] offsets = [.. value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
        if (shape.Any(d => d < 0) || offsets is not [var begin, var end] || begin < 0 || end < begin)
            throw Damaged(path, $"tensor '{property.Name}' has an invalid shape or byte range");
        if (end > dataLength)
            throw Damaged(path, $"tensor '{property.Name}' ends at byte {end} of the data, which holds only {dataLength} bytes (truncated file?)");
        long bytes;
        try { bytes = checked(TensorShape.NumberOfElements(shape) * elementSize); }
        catch (OverflowException) { throw Damaged(path, $"tensor '{property.Name}' has an impossible shape"); }
        if (end - begin != bytes)
            throw Damaged(path, $"tensor '{property.Name}' {TensorShape.Format(shape)} {dtype} needs {bytes} bytes, its range has {end - begin}");
        return new SafetensorsEntry(property.Name, dtype, shape, begin, end);
    }

    /// <summary>All tensors of a checked file, on the CPU in their stored dtype. The caller owns them.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var entries = ReadHeader(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            long dataStart = stream.Length - entries.Sum(e => e.End - e.Begin);   // the ranges tile the data (checked)
            foreach (var entry in entries)
            {
                var tensor = empty(entry.Shape, ScalarTypes[entry.DType]);
                tensors.Add(entry.Name, tensor);
                stream.Position = dataStart + entry.Begin;
                tensor.ReadBytesFromStream(stream);
            }
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
            throw;
        }
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it, so no half-written file is left.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        string temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var scope = NewDisposeScope())
            using (var stream = new FileStream(temporary, FileMode.CreateNew))
                Safetensors.SaveStateDict(stream, tensors.ToDictionary(p => p.Key, p => p.Value.contiguous()), leaveOpen: true);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    static InvalidDataException Damaged(string path, string what) => new($"{path}: not a readable safetensors file: {what}");
}
