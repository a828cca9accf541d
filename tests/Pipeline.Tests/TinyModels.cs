using Pipeline.Models.Bert;
using Pipeline.Engine;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Tasks;
using static TorchSharp.torch;

namespace Pipeline.Tests;

/// <summary>Small random BERT-family encoders and padded batches for fast tests of the framework.</summary>
static class TinyModels
{
    public static readonly BertConfig Config = new(VocabSize: 60, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4, IntermediateSize: 64, MaxPositionEmbeddings: 40);

    public static TaskModel Classifier(int labels = 2, LoraOptions? lora = null, long seed = 7, Pooling pooling = Pooling.Mean, BertConfig? config = null)
    {
        TorchRuntime.Initialize();
        manual_seed(seed);
        config ??= Config;
        var model = new TaskModel(new BertModel(config, new LinearFactory(lora)), TaskHead.Create(HeadKind.Linear, pooling, config.HiddenSize, labels));
        model.train();
        return model;
    }

    /// <summary>Four examples of different real lengths (12, 9, 5, 2) padded to 12; ids from a fixed seed.</summary>
    public static EncoderBatch Batch(long seed = 3, int[]? lengths = null)
    {
        lengths ??= [12, 9, 5, 2];
        int width = lengths.Max();
        var generator = new Generator((ulong)seed);
        var ids = randint(1, Config.VocabSize, [lengths.Length, width], dtype: ScalarType.Int64, generator: generator);
        var mask = zeros(lengths.Length, width, dtype: ScalarType.Int64);
        for (int i = 0; i < lengths.Length; i++) mask[i, ..lengths[i]] = 1;
        return new EncoderBatch(ids * mask, mask);
    }

    /// <summary>Bit-identical: same shape, every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static Tensor Labels(params long[] labels) => tensor(labels, dtype: ScalarType.Int64);

    /// <summary>The task a tiny classifier with <paramref name="outputs"/> outputs trains for: classes, or regression for one output.</summary>
    public static FineTuningTask Task(int outputs = 2) =>
        outputs == 1 ? new RegressionTask() : new ClassificationTask(Enumerable.Range(0, outputs).Select(i => $"c{i}").ToList());
}
