using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>
/// Writes <c>.safetensors</c> files with a <c>__metadata__</c> entry, as Python's <c>safetensors.torch.save_file(…,
/// metadata={"format": "pt"})</c> does for PEFT adapters and transformers checkpoints (transformers refuses a file whose
/// metadata names no framework it knows). Layout: 8-byte little-endian header length, the JSON header (tensors in key
/// order, padded with spaces to a multiple of 8 bytes), then each tensor's little-endian bytes in header order.
/// Written to a temporary file and renamed, so no half-written file is left.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>The metadata PEFT's <c>save_pretrained</c> and transformers write.</summary>
    public static IReadOnlyDictionary<string, string> PyTorchFormat { get; } = new Dictionary<string, string> { ["format"] = "pt" };

    static readonly Dictionary<ScalarType, string> DTypes = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
    };

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        metadata ??= PyTorchFormat;
        var header = new JsonObject { ["__metadata__"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) };
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var data = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (!DTypes.TryGetValue(tensor.dtype, out string? dtype))
                throw new ArgumentException($"{path}: tensor '{name}' is {tensor.dtype}, which is not written to safetensors here");
            using var scope = NewDisposeScope();
            byte[] bytes = tensor.detach().cpu().contiguous().bytes.ToArray();
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors are little-endian");
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            data.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        string temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
                stream.Write(length);
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var bytes in data) stream.Write(bytes);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The <c>__metadata__</c> of a file (empty when it has none); the header is checked by <see cref="SafetensorsFile.ReadHeader"/> first.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        SafetensorsFile.ReadHeader(path);
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(prefix)];
        stream.ReadExactly(header);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonNode.Parse(header)?["__metadata__"] is JsonObject meta)
            foreach (var (key, value) in meta) result[key] = value?.ToString() ?? "";
        return result;
    }
}
