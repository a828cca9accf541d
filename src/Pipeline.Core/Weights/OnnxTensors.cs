using System.Runtime.InteropServices;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Pipeline.Weights;

/// <summary>
/// Reads ONNX tensors (initializers and Constant-node values) with every size checked against the bytes
/// present, so a damaged model fails with the tensor's name instead of reading past its data.
/// </summary>
static class OnnxTensors
{
    public static long[] Dims(TensorProto tensor, string source)
    {
        if (tensor.Dims.Any(d => d < 0))
            throw new InvalidDataException($"{source}: tensor '{tensor.Name}' has a negative dimension {TensorShape.Format(tensor.Dims)}");
        try
        {
            _ = TensorShape.NumberOfElements([.. tensor.Dims]);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{source}: tensor '{tensor.Name}' has an impossible shape {TensorShape.Format(tensor.Dims)}");
        }
        return [.. tensor.Dims];
    }

    /// <summary>A float32 CPU tensor with the initializer's shape (ONNX raw data is little-endian, as is every host we run on).</summary>
    public static Tensor ToFloat32(TensorProto proto, string source)
    {
        RequireInline(proto, source);
        if (proto.DataType != (int)DataType.Float)
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' is {(DataType)proto.DataType}, expected FLOAT");
        var dims = Dims(proto, source);
        long count = TensorShape.NumberOfElements(dims);
        // The sizes are checked before the tensor is allocated: the shape is the file's word, the data its bytes.
        if (!proto.RawData.IsEmpty)
        {
            if (proto.RawData.Length / sizeof(float) != count || proto.RawData.Length % sizeof(float) != 0)
                throw new InvalidDataException($"{source}: tensor '{proto.Name}' {TensorShape.Format(dims)} needs {Bytes(count)} bytes, " +
                    $"the model holds {proto.RawData.Length}: the file is damaged or truncated");
            var tensor = empty(dims, ScalarType.Float32);
            var raw = proto.RawData.Span;
            tensor.bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(raw), raw.Length);
            return tensor;
        }
        else
        {
            if (proto.FloatData.Count != count)
                throw new InvalidDataException($"{source}: tensor '{proto.Name}' {TensorShape.Format(dims)} needs {count} floats, " +
                    $"the model holds {proto.FloatData.Count}: the file is damaged or truncated");
            var tensor = empty(dims, ScalarType.Float32);
            tensor.bytes = MemoryMarshal.AsBytes(proto.FloatData.ToArray().AsSpan());
            return tensor;
        }
    }

    /// <summary>The values of a small INT64 tensor (reshape targets, shapes).</summary>
    public static long[] Int64Values(TensorProto proto, string source)
    {
        RequireInline(proto, source);
        if (proto.DataType != (int)DataType.Int64)
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' is {(DataType)proto.DataType}, expected INT64");
        long count = TensorShape.NumberOfElements(Dims(proto, source));
        long[] values = proto.RawData.IsEmpty ? [.. proto.Int64Data] : MemoryMarshal.Cast<byte, long>(proto.RawData.Span).ToArray();
        if (values.Length != count || (!proto.RawData.IsEmpty && proto.RawData.Length != count * sizeof(long)))
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' should hold {count} int64 values: the file is damaged");
        return values;
    }

    /// <summary>The value of a scalar FLOAT tensor (LayerNorm epsilon).</summary>
    public static float FloatScalar(TensorProto proto, string source)
    {
        RequireInline(proto, source);
        if (proto.DataType != (int)DataType.Float)
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' is {(DataType)proto.DataType}, expected FLOAT");
        float[] values = proto.RawData.IsEmpty ? [.. proto.FloatData] : MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray();
        if (values.Length != 1 || TensorShape.NumberOfElements(Dims(proto, source)) != 1)
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' should be a single float");
        return values[0];
    }

    static string Bytes(long count) => count <= long.MaxValue / sizeof(float) ? $"{count * sizeof(float)}" : $"{count} × {sizeof(float)}";

    static void RequireInline(TensorProto proto, string source)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' keeps its data in an external file; only self-contained models are supported");
    }
}
