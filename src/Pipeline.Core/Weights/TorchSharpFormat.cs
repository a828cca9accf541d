using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>One tensor's header in TorchSharp's own format: dtype, shape, and the bytes of data that follow it.</summary>
public sealed record TorchSharpTensorHeader(ScalarType DType, long[] Shape, long DataBytes);

/// <summary>
/// TorchSharp's own tensor format, as <c>Tensor.Save</c> and <c>Module.save</c> write it (adapter.bin, model.bin,
/// checkpoints): per tensor a 7-bit-encoded dtype, rank and dimensions, then the raw data. TorchSharp's reader
/// trusts every number — a damaged rank or dimension makes it allocate whatever it says (<c>new long[rank]</c>,
/// <c>torch.empty(shape)</c>) before reading a byte of data. So each header is read and checked here first (known
/// dtype, rank and size bounded by the bytes left in the file), and TorchSharp reads only a checked tensor.
/// </summary>
public static class TorchSharpFormat
{
    /// <summary>PyTorch's own limit on a tensor's rank.</summary>
    const int MaxRank = 64;

    static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Byte] = 1, [ScalarType.Int8] = 1, [ScalarType.Int16] = 2, [ScalarType.Int32] = 4, [ScalarType.Int64] = 8,
        [ScalarType.Float16] = 2, [ScalarType.Float32] = 4, [ScalarType.Float64] = 8, [ScalarType.Bool] = 1, [ScalarType.BFloat16] = 2,
    };

    /// <summary>
    /// Reads the header of the tensor at the reader's position and checks it against the rest of the file; the
    /// position is left where it was, so <c>Tensor.Load</c> can then read the tensor. <paramref name="name"/> (the
    /// tensor's, or what it is) is for messages.
    /// </summary>
    public static TorchSharpTensorHeader PeekTensor(BinaryReader reader, string path, string name)
    {
        var stream = reader.BaseStream;
        long start = stream.Position;
        long code = Varint(reader, path, name, "dtype");
        if (code is < 0 or > 64 || !ElementSizes.TryGetValue((ScalarType)code, out int elementSize))
            throw Damaged(path, $"tensor '{name}' has unknown dtype code {code}");
        long rank = Varint(reader, path, name, "rank");
        if (rank is < 0 or > MaxRank)
            throw Damaged(path, $"tensor '{name}' has rank {rank}; a tensor has at most {MaxRank} dimensions");
        var shape = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = Varint(reader, path, name, "dimension");
            if (shape[i] < 0) throw Damaged(path, $"tensor '{name}' has a negative dimension {shape[i]}");
        }
        long left = stream.Length - stream.Position;
        long bytes;
        try { bytes = checked(TensorShape.NumberOfElements(shape) * elementSize); }
        catch (OverflowException) { bytes = long.MaxValue; }
        if (bytes > left)
            throw Damaged(path, $"tensor '{name}' {TensorShape.Format(shape)} {(ScalarType)code} needs {(bytes == long.MaxValue ? "more than 2^63" : bytes)} bytes of data, " +
                $"the file holds {left} more (truncated file?)");
        stream.Position = start;
        return new TorchSharpTensorHeader((ScalarType)code, shape, bytes);
    }

    /// <summary>A checked tensor, read by TorchSharp (CPU, its stored dtype); the caller owns it.</summary>
    public static Tensor ReadTensor(BinaryReader reader, string path, string name)
    {
        PeekTensor(reader, path, name);
        return Tensor.Load(reader);
    }

    /// <summary>Moves past a checked tensor without reading its data.</summary>
    public static TorchSharpTensorHeader SkipTensor(BinaryReader reader, string path, string name)
    {
        var header = PeekTensor(reader, path, name);
        Varint(reader, path, name, "dtype");
        for (long i = Varint(reader, path, name, "rank"); i > 0; i--) Varint(reader, path, name, "dimension");
        reader.BaseStream.Seek(header.DataBytes, SeekOrigin.Current);
        return header;
    }

    /// <summary>
    /// The entries of a <c>Module.save</c> file (a 7-bit-encoded count, then per entry a name and a tensor), every one
    /// checked as <see cref="PeekTensor"/> does, nothing allocated beyond the names and shapes.
    /// </summary>
    public static Dictionary<string, TorchSharpTensorHeader> ReadModuleHeaders(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        long count = Varint(reader, path, "", "entry count");
        if (count < 0 || count > stream.Length)
            throw Damaged(path, $"the entry count {count} does not fit a file of {stream.Length} bytes");
        var headers = new Dictionary<string, TorchSharpTensorHeader>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            string name = Name(reader, path, i);
            if (!headers.TryAdd(name, SkipTensor(reader, path, name)))
                throw Damaged(path, $"tensor '{name}' appears twice");
        }
        if (stream.Position != stream.Length)
            throw Damaged(path, $"{stream.Length - stream.Position} bytes follow the last of its {count} tensors");
        return headers;
    }

    /// <summary>A name written by <see cref="BinaryWriter.Write(string)"/>, its length checked against the file.</summary>
    public static string Name(BinaryReader reader, string path, long index)
    {
        try
        {
            int length = reader.Read7BitEncodedInt();
            if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
                throw Damaged(path, $"the name of entry {index} claims {length} bytes, more than the file holds");
            var bytes = reader.ReadBytes(length);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            throw Damaged(path, $"the name of entry {index} is cut short or malformed (truncated file?)");
        }
    }

    /// <summary>TorchSharp's 7-bit encoding of a long (its <c>BinaryReader.Decode</c>), at most 10 bytes.</summary>
    static long Varint(BinaryReader reader, string path, string name, string what)
    {
        long value = 0;
        for (int i = 0; i < 10; i++)
        {
            int b = reader.BaseStream.ReadByte();
            if (b < 0) throw Damaged(path, $"the file ends inside the {what} of {(name.Length > 0 ? $"tensor '{name}'" : "its header")} (truncated file?)");
            value += (long)(b & 0x7F) << (i * 7);
            if ((b & 0x80) == 0) return value;
        }
        throw Damaged(path, $"the {what} of {(name.Length > 0 ? $"tensor '{name}'" : "its header")} is not a valid number");
    }

    public static InvalidDataException Damaged(string path, string what) => new($"{path}: not a readable TorchSharp tensor file: {what}");
}
