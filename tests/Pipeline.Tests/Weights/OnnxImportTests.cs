using Onnx;
using Pipeline.Models.Bert;
using Pipeline.Models;
using Pipeline.Tests.Models;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Weights;

[Collection(MiniLmCollection.Name)]
public class OnnxImportTests(MiniLmFixture miniLm)
{
    [Fact]
    public void MiniLm_imports_every_tensor_under_its_hf_name_with_the_published_config()
    {
        var weights = miniLm.Model.Weights;

        Assert.Equal(BertConfig.MiniLmL6, weights.Config);
        Assert.Equal(BertWeightLayout.Shapes(BertConfig.MiniLmL6).Keys.Order(), weights.Tensors.Keys.Order());
        Assert.Equal(22_713_216, weights.ParameterCount);   // all-MiniLM-L6-v2's model card: 22.7M
        Assert.Contains("embeddings.position_ids", weights.Ignored);
        foreach (var (name, shape) in BertWeightLayout.Shapes(BertConfig.MiniLmL6))
            Assert.Equal(shape, weights.Tensors[name].shape);
    }

    [Fact]
    public void MatMul_weights_are_named_after_their_bias_and_transposed_back_to_linear_layout()
    {
        var model = ModelProto.Parser.ParseFrom(ModelCatalog.MiniLm.ReadOnnx());
        var graph = model.Graph;
        var unnamed = graph.Node.Where(n => n.OpType == "MatMul" && graph.Initializer.Any(i => i.Name == n.Input[1])).ToList();
        Assert.Equal(36, unnamed.Count);   // 6 layers × (q, k, v, attention output, FFN in, FFN out)
        Assert.All(unnamed, n => Assert.DoesNotContain('.', n.Input[1]));   // numbered, not named

        // FFN in: the graph stores [384, 1536] = Wᵀ; nn.Linear needs [1536, 384].
        var add = graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains("encoder.layer.3.intermediate.dense.bias"));
        var matmul = unnamed.Single(n => add.Input.Contains(n.Output[0]));
        var stored = graph.Initializer.Single(i => i.Name == matmul.Input[1]);
        Assert.Equal(new long[] { 384, 1536 }, stored.Dims);
        using var scope = NewDisposeScope();
        var raw = tensor(stored.RawData.ToByteArray().Chunk(4).Select(b => BitConverter.ToSingle(b)).ToArray(), [384, 1536]);
        TensorAssert.Identical(raw.t(), miniLm.Model.Weights.Tensors["encoder.layer.3.intermediate.dense.weight"]);
    }

    [Fact]
    public void Arctic_xs_imports_with_the_same_shape_and_no_pooler()
    {
        using var weights = ModelCatalog.ArcticXs.ImportWeights();

        Assert.Equal(BertConfig.MiniLmL6, weights.Config);
        Assert.False(weights.HasOptionalPart);
        Assert.Equal(22_565_376, weights.ParameterCount);
        Assert.Equal(BertWeightLayout.Shapes(BertConfig.MiniLmL6, withPooler: false).Keys.Order(), weights.Tensors.Keys.Order());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.0001)]
    public void A_truncated_model_is_a_clear_error(double keep)
    {
        var bytes = ModelCatalog.MiniLm.ReadOnnx();
        var truncated = bytes[..(int)(bytes.Length * keep)];

        var e = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(truncated, "cut.onnx"));
        Assert.Contains("cut.onnx", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Random_bytes_are_a_clear_error()
    {
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);

        var e = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(bytes, "noise.onnx"));
        Assert.Contains("noise.onnx", e.Message);
    }

    [Fact]
    public void A_tiny_exported_graph_round_trips_exactly()
    {
        using var model = TinyEncoders.Random(TinyEncoders.Bert);
        var state = TinyEncoders.StateDict(model);

        using var weights = OnnxBertImporter.Import(TinyOnnx.FromStateDict(state, TinyEncoders.Bert), "tiny.onnx");

        Assert.Equal(TinyEncoders.Bert, weights.Config);
        Assert.Equal(state.Keys.Order(), weights.Tensors.Keys.Order());
        foreach (var (name, value) in state)
            TensorAssert.Identical(value, weights.Tensors[name], name);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named_with_both_shapes()
    {
        using var model = TinyEncoders.Random(TinyEncoders.Bert);
        var state = TinyEncoders.StateDict(model);
        state["encoder.layer.1.intermediate.dense.bias"] = zeros(40);
        state["encoder.layer.1.intermediate.dense.weight"] = zeros(40, 16);

        var e = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(TinyOnnx.FromStateDict(state, TinyEncoders.Bert), "odd.onnx"));
        Assert.Contains("encoder.layer.1.intermediate.dense.", e.Message);
        Assert.Contains("[40", e.Message);
        Assert.Contains("expected [32", e.Message);
    }

    [Fact]
    public void A_matmul_weight_without_a_named_bias_cannot_be_named()
    {
        using var model = TinyEncoders.Random(TinyEncoders.Bert);
        var onnx = TinyOnnx.FromStateDict(TinyEncoders.StateDict(model), TinyEncoders.Bert);
        var add = onnx.Graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains("encoder.layer.0.output.dense.bias"));
        onnx.Graph.Node.Remove(add);

        var e = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, "cut-graph.onnx"));
        Assert.Contains("onnx::MatMul_", e.Message);
        Assert.Contains("cannot recover the weight's name", e.Message);
    }

    [Fact]
    public void A_graph_without_the_head_split_says_the_heads_are_unknown()
    {
        using var model = TinyEncoders.Random(TinyEncoders.Bert);
        var onnx = TinyOnnx.FromStateDict(TinyEncoders.StateDict(model), TinyEncoders.Bert);
        onnx.Graph.Node.Remove(onnx.Graph.Node.Single(n => n.OpType == "Reshape"));

        var e = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(onnx, "no-split.onnx"));
        Assert.Contains("number of heads is unknown", e.Message);
    }
}
