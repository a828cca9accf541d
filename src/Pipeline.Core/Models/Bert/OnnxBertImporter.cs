using System.Globalization;
using Google.Protobuf;
using Onnx;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Models.Bert;

/// <summary>
/// Imports a BERT encoder exported to ONNX by PyTorch (sentence-transformers' all-MiniLM-L6-v2,
/// snowflake-arctic-embed-xs). The exporter keeps the HF names of embeddings, biases and LayerNorms but
/// folds every <c>nn.Linear</c> into <c>MatMul(x, Wᵀ)</c> + <c>Add(bias)</c> with the transposed weight
/// stored as an unnamed initializer (<c>onnx::MatMul_837</c>, <c>927</c>): each weight's name is recovered
/// from the named bias its MatMul feeds. The config is read from tensor shapes and from the graph itself
/// (the head split of the first query projection, the epsilon of the first LayerNorm).
/// </summary>
public static class OnnxBertImporter
{
    static readonly string[] EncoderPrefixes = ["embeddings.", "encoder.", BertWeightLayout.PoolerPrefix];

    /// <summary>Registered buffers the exporter kept; our model computes them.</summary>
    static readonly HashSet<string> Buffers = new(["embeddings.position_ids", "embeddings.token_type_ids"], StringComparer.Ordinal);

    public static PretrainedWeights Import(byte[] onnx, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model, the file is damaged or truncated ({e.Message})", e);
        }
        return Import(model, source);
    }

    public static PretrainedWeights Import(ModelProto model, string source)
    {
        if (model.Graph is null || model.Graph.Node.Count == 0 || model.Graph.Initializer.Count == 0)
            throw new InvalidDataException($"{source}: the ONNX model has no graph or no weights (damaged or truncated file?)");
        var graph = new OnnxGraph(model.Graph, source);
        if (graph.Graph.Node.Any(n => n.OpType == "CumSum"))
            throw new InvalidDataException($"{source}: RoBERTa-style position ids (CumSum) found; only BERT-style ONNX encoders are supported, " +
                "load a RoBERTa checkpoint from config.json + model.safetensors instead");

        using var scope = NewDisposeScope();
        var linears = RecoverLinearWeights(graph);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var (name, initializer) in graph.Initializers)
        {
            if (linears.Operands.Contains(name) || !EncoderPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))) continue;
            if (Buffers.Contains(name)) { ignored.Add(name); continue; }
            tensors.Add(name, OnnxTensors.ToFloat32(initializer, source));
        }
        foreach (var (name, weight) in linears.Weights)
        {
            if (!tensors.TryAdd(name, weight))
                throw new InvalidDataException($"{source}: '{name}' is both a named initializer and a recovered MatMul weight");
        }
        var config = InferConfig(graph, tensors);
        return new PretrainedWeights(config, tensors, source, ignored);
    }

    sealed record Linears(Dictionary<string, Tensor> Weights, HashSet<string> Operands);

    /// <summary>Every MatMul/Gemm by a constant, named after the bias added to its output, as an nn.Linear weight [out, in].</summary>
    static Linears RecoverLinearWeights(OnnxGraph graph)
    {
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var operands = new HashSet<string>(StringComparer.Ordinal);
        string source = graph.Source;
        foreach (var node in graph.Graph.Node)
        {
            if (node.OpType is not ("MatMul" or "Gemm") || node.Input.Count < 2 || !graph.Initializers.TryGetValue(node.Input[1], out var operand))
                continue;   // activation × activation (attention scores and context)
            if (node.Output.Count == 0)
                throw new InvalidDataException($"{source}: {node.OpType} '{node.Name}' has no output (damaged file?)");
            string bias = node.OpType == "Gemm" ? GemmBias(node, graph) : MatMulBias(node, graph);
            string name = bias[..^".bias".Length] + ".weight";
            // MatMul computes x·B, so B is [in, out]; Gemm with transB = 1 computes x·Bᵀ, B already [out, in].
            bool transposed = node.OpType == "MatMul" || OnnxGraph.IntAttribute(node, "transB", 0) == 0;
            if (OnnxTensors.Dims(operand, source).Length != 2)
                throw new InvalidDataException($"{source}: the weight '{operand.Name}' of '{name}' is not a matrix: {TensorShape.Format(operand.Dims)}");
            var tensor = OnnxTensors.ToFloat32(operand, source);
            if (!weights.TryAdd(name, transposed ? tensor.t().contiguous() : tensor))
                throw new InvalidDataException($"{source}: two MatMul weights add the bias '{bias}'; cannot tell which is '{name}'");
            operands.Add(operand.Name);
        }
        return new Linears(weights, operands);
    }

    static string MatMulBias(NodeProto matmul, OnnxGraph graph)
    {
        var biases = graph.Consumers(matmul.Output[0])
            .Where(n => n.OpType == "Add")
            .SelectMany(add => add.Input.Where(i => i != matmul.Output[0] && IsNamedBias(i, graph)))
            .ToList();
        if (biases.Count != 1)
            throw new InvalidDataException($"{graph.Source}: MatMul '{matmul.Name}' multiplies by the initializer '{matmul.Input[1]}' but its output " +
                $"feeds {(biases.Count == 0 ? "no" : "more than one")} Add of a named bias; cannot recover the weight's name");
        return biases[0];
    }

    static string GemmBias(NodeProto gemm, OnnxGraph graph)
    {
        foreach (string scale in new[] { "alpha", "beta" })
        {
            var attribute = gemm.Attribute.FirstOrDefault(a => a.Name == scale);
            if (attribute is not null && attribute.F != 1f)
                throw new InvalidDataException($"{graph.Source}: Gemm '{gemm.Name}' has {scale} = {attribute.F}; a linear layer has 1");
        }
        if (OnnxGraph.IntAttribute(gemm, "transA", 0) != 0 || gemm.Input.Count < 3 || !IsNamedBias(gemm.Input[2], graph))
            throw new InvalidDataException($"{graph.Source}: Gemm '{gemm.Name}' is not x·Wᵀ + b with a named bias; cannot recover the weight's name");
        return gemm.Input[2];
    }

    static bool IsNamedBias(string value, OnnxGraph graph) =>
        value.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(value);

    static BertConfig InferConfig(OnnxGraph graph, Dictionary<string, Tensor> tensors)
    {
        string source = graph.Source;
        long[] Shape(string name, int rank) =>
            tensors.TryGetValue(name, out var t) && t.dim() == rank ? t.shape
            : throw new InvalidDataException($"{source}: no {rank}-d tensor '{name}' in the graph: not a BERT encoder");

        var words = Shape("embeddings.word_embeddings.weight", 2);
        int layers = 0;
        while (tensors.ContainsKey($"encoder.layer.{layers}.attention.self.query.bias")) layers++;
        if (layers == 0)
            throw new InvalidDataException($"{source}: no 'encoder.layer.0.attention.self.query.bias': not a BERT encoder");
        // A size is a tensor's dimension; an empty tensor may declare any, so each must fit the config's int.
        int Size(long value, string what) => value is >= 0 and <= int.MaxValue ? (int)value
            : throw new InvalidDataException($"{source}: {what} {value} read from the tensor shapes is not a usable size");
        int hidden = Size(words[1], "hidden size");
        return new BertConfig(
            VocabSize: Size(words[0], "vocabulary size"),
            HiddenSize: hidden,
            NumHiddenLayers: layers,
            NumAttentionHeads: InferHeads(graph, hidden),
            IntermediateSize: Size(Shape("encoder.layer.0.intermediate.dense.bias", 1)[0], "intermediate size"),
            MaxPositionEmbeddings: Size(Shape("embeddings.position_embeddings.weight", 2)[0], "position count"),
            TypeVocabSize: Size(Shape("embeddings.token_type_embeddings.weight", 2)[0], "token type count"),
            LayerNormEps: InferLayerNormEps(graph),
            PadTokenId: 0);   // BERT WordPiece vocabularies put [PAD] at 0; the graph does not say
    }

    /// <summary>The heads of the first query projection's split: Reshape(q, [batch, length, heads, head_dim]).</summary>
    static int InferHeads(OnnxGraph graph, int hidden)
    {
        const string bias = "encoder.layer.0.attention.self.query.bias";
        var reshape = graph.Consumers(bias).Where(n => n.OpType == "Add" && n.Output.Count > 0)
            .SelectMany(add => graph.Consumers(add.Output[0])).FirstOrDefault(n => n.OpType == "Reshape");
        long[]? shape = null;
        if (reshape is not null && reshape.Input.Count == 2)
        {
            if (graph.Constant(reshape.Input[1]) is { } constant)
                shape = OnnxTensors.Int64Values(constant, graph.Source);
            else if (graph.Producer(reshape.Input[1]) is { OpType: "Concat" } concat)
                // Batch and length are computed at run time (-1 here); heads and head size are constants.
                shape = [.. concat.Input.Select(i => graph.Constant(i) is { } c && OnnxTensors.Int64Values(c, graph.Source) is [var v] ? v : -1)];
        }
        if (shape is not [_, _, > 0 and var heads, > 0 and var headDim])
            throw new InvalidDataException($"{graph.Source}: cannot find the attention head split (Reshape to [batch, length, heads, head_dim]) " +
                $"after '{bias}', so the number of heads is unknown");
        if (hidden % heads != 0 || hidden / heads != headDim)
            throw new InvalidDataException($"{graph.Source}: the graph splits attention into {heads} heads × {headDim}, which is not the hidden size {hidden}");
        return (int)heads;
    }

    /// <summary>ε of the embedding LayerNorm: a LayerNormalization attribute, or the constant of the decomposed
    /// (x − μ) / sqrt(var + ε) · γ + β that older exporters write.</summary>
    static double InferLayerNormEps(OnnxGraph graph)
    {
        const string gamma = "embeddings.LayerNorm.weight";
        var scale = graph.Consumers(gamma).FirstOrDefault();
        float? eps = null;
        if (scale is { OpType: "LayerNormalization" })
            eps = scale.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;   // the ONNX default
        else if (scale is { OpType: "Mul" }
                 && scale.Input.FirstOrDefault(i => i != gamma) is { } scaled
                 && graph.Producer(scaled) is { OpType: "Div" } div && div.Input.Count == 2
                 && graph.Producer(div.Input[1]) is { OpType: "Sqrt", Input.Count: > 0 } sqrt
                 && graph.Producer(sqrt.Input[0]) is { OpType: "Add" } add)
        {
            var constant = add.Input.Select(graph.Constant).FirstOrDefault(c => c is not null);
            if (constant is not null) eps = OnnxTensors.FloatScalar(constant, graph.Source);
        }
        if (eps is not { } value || !(value > 0))
            throw new InvalidDataException($"{graph.Source}: cannot read the LayerNorm epsilon from the graph " +
                $"(expected LayerNormalization, or Mul('{gamma}') ← Div ← Sqrt ← Add(ε))");
        // The float's shortest decimal (1E-12), not its binary expansion, so configs compare equal to HF's.
        return double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
