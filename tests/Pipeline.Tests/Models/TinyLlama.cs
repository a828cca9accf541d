using System.Text.Json.Nodes;
using Pipeline.Engine;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Models.Llama;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>Small random LLaMA decoders (grouped-query attention, untied head), right-padded batches and the committed fixture.</summary>
static class TinyLlama
{
    public static readonly LlamaConfig Config = new(VocabSize: 60, HiddenSize: 32, IntermediateSize: 48, NumHiddenLayers: 2,
        NumAttentionHeads: 4, NumKeyValueHeads: 2, MaxPositionEmbeddings: 24, BosTokenId: 1, EosTokenId: 2);

    /// <summary>tests/Pipeline.Tests/Fixtures/llama-tiny, written by scripts/reference/llama_tokenizer.py and llama.py.</summary>
    public static string FixtureDirectory => Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", "llama-tiny");

    public static LlamaModel Random(LoraOptions? lora = null, long seed = 7, LlamaConfig? config = null)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        var model = new LlamaModel(config ?? Config, new LinearFactory(lora));
        // RMSNorm weights start at 1: give them some spread, so that a wrong norm cannot pass for the right one.
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters())
                if (name.EndsWith("layernorm.weight") || name == "norm.weight") parameter.normal_(1, 0.2);
        return model;
    }

    /// <summary>A LLaMA backbone with a mean-pooling linear head: the output position is the head's.</summary>
    public static TaskModel Classifier(LoraOptions? lora = null, long seed = 7)
    {
        var model = new TaskModel(Random(lora, seed), TaskHead.Create(HeadKind.Linear, Pooling.Mean, Config.HiddenSize, 2));
        model.train();
        return model;
    }

    /// <summary>Four examples of real lengths 10, 7, 3, 1, right-padded to 10 with the end-of-text id; ids from a fixed seed.</summary>
    public static EncoderBatch Batch(long seed = 3, int[]? lengths = null)
    {
        lengths ??= [10, 7, 3, 1];
        int width = lengths.Max();
        var generator = new Generator((ulong)seed);
        var ids = randint(3, Config.VocabSize, [lengths.Length, width], dtype: ScalarType.Int64, generator: generator);
        var mask = zeros(lengths.Length, width, dtype: ScalarType.Int64);
        for (int i = 0; i < lengths.Length; i++) mask[i, ..lengths[i]] = 1;
        return new EncoderBatch(ids.where(mask.to(ScalarType.Bool), Config.EosTokenId), mask);
    }

    /// <summary>The state dict of a backbone, as <see cref="Pipeline.Weights.HfCheckpoint.Save"/> takes it.</summary>
    public static Dictionary<string, Tensor> StateDict(LlamaModel model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());

    /// <summary>A fixture JSON file.</summary>
    public static JsonNode Fixture(string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, file)))!;

    /// <summary>[rows, columns] int64 of a JSON array of arrays.</summary>
    public static Tensor Matrix(JsonNode rows) =>
        tensor(rows.AsArray().SelectMany(r => r!.AsArray().Select(v => v!.GetValue<long>())).ToArray(), dtype: ScalarType.Int64)
            .view(rows.AsArray().Count, -1);

    /// <summary>A float32 tensor of a JSON array (nested to any depth).</summary>
    public static Tensor Floats(JsonNode values)
    {
        var shape = new List<long>();
        for (var node = values; node is JsonArray array; node = array[0]) shape.Add(array.Count);
        IEnumerable<float> Flatten(JsonNode node) => node is JsonArray array ? array.SelectMany(n => Flatten(n!)) : [(float)node.GetValue<double>()];
        return tensor(Flatten(values).ToArray()).view([.. shape]);
    }

    /// <summary>The largest |logit − reference| at the real tokens of each row (reference rows hold the real tokens only).</summary>
    public static double WorstDifference(Tensor logits, Tensor mask, JsonArray rows)
    {
        double worst = 0;
        for (int row = 0; row < rows.Count; row++)
        {
            long n = mask[row].sum().item<long>();
            var expected = Floats(rows[row]!);
            Assert.Equal(n, expected.shape[0]);
            worst = Math.Max(worst, (logits[row, ..(int)n] - expected).abs().max().item<float>());
        }
        return worst;
    }
}
