using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Pipeline.Models.Bert;
using Pipeline.Models;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Pipeline.Tests.Weights;

/// <summary>
/// Writes the parts of a PyTorch-exported BERT graph the importer reads: named embeddings, biases and
/// LayerNorms; every linear as MatMul(x, Wᵀ as an unnamed initializer) → Add(named bias); the pooler as
/// Gemm(transB = 1); the query head split Reshape(q, Concat(·, ·, heads, head_dim)); and the decomposed
/// embedding LayerNorm with its ε. Not runnable — only the structure and the weights are real.
/// </summary>
sealed class TinyOnnx
{
    readonly GraphProto graph = new();
    int counter = 900;

    public static ModelProto FromStateDict(IReadOnlyDictionary<string, Tensor> weights, BertConfig config)
    {
        var builder = new TinyOnnx();
        builder.Build(weights, config);
        return new ModelProto { IrVersion = 7, ProducerName = "tiny-onnx", Graph = builder.graph };
    }

    void Build(IReadOnlyDictionary<string, Tensor> weights, BertConfig config)
    {
        foreach (var (name, tensor) in weights)
        {
            bool linearWeight = name.EndsWith(".weight", StringComparison.Ordinal) && tensor.dim() == 2 && !name.StartsWith("embeddings.", StringComparison.Ordinal);
            if (!linearWeight) graph.Initializer.Add(Float(name, tensor));
        }
        graph.Initializer.Add(Int64("embeddings.position_ids", [1, config.MaxPositionEmbeddings], [.. Enumerable.Range(0, config.MaxPositionEmbeddings).Select(i => (long)i)]));

        // Embedding LayerNorm: Mul(Div(x − μ, Sqrt(Add(var, ε))), γ).
        string eps = Constant(Float32Scalar((float)config.LayerNormEps));
        Node("Add", ["variance", eps], ["var_eps"]);
        Node("Sqrt", ["var_eps"], ["std"]);
        Node("Div", ["centered", "std"], ["normalized"]);
        Node("Mul", ["normalized", "embeddings.LayerNorm.weight"], ["scaled"]);

        foreach (var (name, tensor) in weights.Where(w => w.Key.EndsWith(".weight", StringComparison.Ordinal) && w.Value.dim() == 2))
        {
            if (name.StartsWith("embeddings.", StringComparison.Ordinal)) continue;
            string module = name[..^".weight".Length];
            if (module.StartsWith("pooler.", StringComparison.Ordinal))
            {
                graph.Initializer.Add(Float(name, tensor));
                Node("Gemm", ["cls", name, module + ".bias"], ["pooled"], new AttributeProto { Name = "transB", I = 1, Type = AttributeProto.Types.AttributeType.Int });
                continue;
            }
            string operand = $"onnx::MatMul_{counter++}";
            graph.Initializer.Add(Float(operand, tensor.t().contiguous()));
            string product = $"{module}/MatMul_output";
            Node("MatMul", [$"{module}/input", operand], [product]);
            Node("Add", [module + ".bias", product], [module + "/output"]);
            if (module == "encoder.layer.0.attention.self.query")
            {
                string heads = Constant(Int64Tensor([config.NumAttentionHeads]));
                string headDim = Constant(Int64Tensor([config.HeadDim]));
                Node("Concat", ["batch", "length", heads, headDim], ["split_shape"]);
                Node("Reshape", [module + "/output", "split_shape"], ["split"]);
            }
        }
    }

    void Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{counter++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
    }

    string Constant(TensorProto value)
    {
        string output = $"{counter++}";
        Node("Constant", [], [output], new AttributeProto { Name = "value", T = value, Type = AttributeProto.Types.AttributeType.Tensor });
        return output;
    }

    public static TensorProto Float(string name, Tensor tensor)
    {
        var proto = new TensorProto { Name = name, DataType = (int)DataType.Float };
        proto.Dims.AddRange(tensor.shape);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.contiguous().data<float>().ToArray().AsSpan()));
        return proto;
    }

    static TensorProto Float32Scalar(float value) =>
        new() { DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) };

    static TensorProto Int64Tensor(long[] values)
    {
        var proto = new TensorProto { DataType = (int)DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        return proto;
    }

    static TensorProto Int64(string name, long[] dims, long[] values)
    {
        var proto = Int64Tensor(values);
        proto.Name = name;
        proto.Dims.Clear();
        proto.Dims.AddRange(dims);
        return proto;
    }
}
