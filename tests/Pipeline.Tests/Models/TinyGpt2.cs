using Pipeline.Engine;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Models.Heads;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>Small random GPT-2 decoders, right-padded batches and the committed reference fixture.</summary>
static class TinyGpt2
{
    public static readonly Gpt2Config Config = new(VocabSize: 50, NPositions: 16, NEmbd: 32, NLayer: 2, NHead: 4, BosTokenId: 49, EosTokenId: 49);

    /// <summary>tests/Pipeline.Tests/Fixtures/gpt2-tiny, written by scripts/reference/gpt2.py.</summary>
    public static string FixtureDirectory => Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", "gpt2-tiny");

    public static Gpt2Model Random(LoraOptions? lora = null, long seed = 7)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        return new Gpt2Model(Config, new LinearFactory(lora));
    }

    /// <summary>A GPT-2 backbone with a mean-pooling linear head: the output position is the head's.</summary>
    public static TaskModel Classifier(LoraOptions? lora = null, long seed = 7)
    {
        var model = new TaskModel(Random(lora, seed), TaskHead.Create(HeadKind.Linear, Pooling.Mean, Config.NEmbd, 2));
        model.train();
        return model;
    }

    /// <summary>Four examples of real lengths 10, 7, 3, 1, right-padded to 10 with the end-of-text id; ids from a fixed seed.</summary>
    public static EncoderBatch Batch(long seed = 3, int[]? lengths = null)
    {
        lengths ??= [10, 7, 3, 1];
        int width = lengths.Max();
        var generator = new Generator((ulong)seed);
        var ids = randint(0, Config.VocabSize - 1, [lengths.Length, width], dtype: ScalarType.Int64, generator: generator);
        var mask = zeros(lengths.Length, width, dtype: ScalarType.Int64);
        for (int i = 0; i < lengths.Length; i++) mask[i, ..lengths[i]] = 1;
        return new EncoderBatch(ids.where(mask.to(ScalarType.Bool), Config.EosTokenId), mask);
    }

    /// <summary>The state dict of a backbone, as <see cref="Pipeline.Weights.HfCheckpoint.Save"/> takes it.</summary>
    public static Dictionary<string, Tensor> StateDict(Gpt2Model model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
}
