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

    /// <summary>
    /// A tiny GPT-2-style vocab.json + merges.txt in <paramref name="directory"/> for <see cref="Config"/>: the letters
    /// a–z (ids 0–25), "Ġ" (GPT-2's space, 26), ".", "," and the merges that make "Ġthe", "hello", "Ġworld";
    /// &lt;|endoftext|&gt; at <paramref name="eosId"/>, two-letter fillers up to <paramref name="vocabSize"/>. Texts written
    /// only of those characters tokenize.
    /// </summary>
    public static void WriteTokenizer(string directory, int eosId = 49, int vocabSize = 50)
    {
        var vocab = new Dictionary<string, int>();
        for (int i = 0; i < 26; i++) vocab[((char)('a' + i)).ToString()] = i;
        string[] merges = ["h e", "l l", "Ġ t", "Ġt he", "l o", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"];
        string[] extra = ["Ġ", ".", ",", .. merges.Select(m => m.Replace(" ", ""))];
        foreach (var token in extra) vocab[token] = vocab.Count;
        // Two-letter fillers up to the model's vocabulary, so that every id the model can emit has a text.
        var fillers = from a in "abcdefghijklmnopqrstuvwxyz" from b in "abcdefghijklmnopqrstuvwxyz" select $"{a}{b}";
        foreach (var filler in fillers.Where(f => !vocab.ContainsKey(f)))
        {
            if (vocab.Count == eosId) vocab["<|endoftext|>"] = eosId;
            if (vocab.Count >= vocabSize) break;
            vocab[filler] = vocab.Count;
        }
        vocab["<|endoftext|>"] = eosId;
        File.WriteAllText(Path.Combine(directory, Pipeline.Weights.HfCheckpoint.BpeVocabFile), System.Text.Json.JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(directory, Pipeline.Weights.HfCheckpoint.BpeMergesFile), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
    }

    /// <summary>A tiny random GPT-2 checkpoint with <see cref="WriteTokenizer"/>'s files in <paramref name="directory"/>.</summary>
    public static void WriteCheckpoint(string directory, long seed = 7)
    {
        using var model = Random(seed: seed);
        Pipeline.Weights.HfCheckpoint.Save(directory, Config, StateDict(model), "transformer.");
        WriteTokenizer(directory, Config.EosTokenId);
    }

    /// <summary>The state dict of a backbone, as <see cref="Pipeline.Weights.HfCheckpoint.Save"/> takes it.</summary>
    public static Dictionary<string, Tensor> StateDict(Gpt2Model model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
}
