using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>One tensor of a safetensors header: dtype, shape, and byte range within the data section.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads and writes <c>.safetensors</c> files through TorchSharp.PyBridge (never its pickle loader). PyBridge
/// trusts the header: a truncated file would be read short without an error. So the header is validated here
/// first — every tensor's byte range must lie inside the file and match its shape and dtype — and only a
/// consistent file reaches PyBridge.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Header sizes above this are not a model index but a damaged length field.</summary>
    const long MaxHeaderBytes = 100L << 20;

    static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

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

        var entries = new List<SafetensorsEntry>();
        try
        {
            using var json = JsonDocument.Parse(header);
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw Damaged(path, "the header is not a JSON object");
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                entries.Add(Entry(path, property, dataLength));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw Damaged(path, $"the header is not valid safetensors JSON ({e.Message})");
        }
        return entries;
    }

    static SafetensorsEntry Entry(string path, JsonProperty property, long dataLength)
    {
        var value = property.Value;
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
        ReadHeader(path);
        return Safetensors.LoadStateDict(path);
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
