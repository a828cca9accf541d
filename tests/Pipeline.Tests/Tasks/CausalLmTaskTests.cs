using System.Text.Json;
using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Data.Formats;
using Pipeline.Dropout;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Metrics;
using Pipeline.Metrics.Nlg;
using Pipeline.Models;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Tests.Models;
using Pipeline.Text;
using Pipeline.Training;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Tasks;

/// <summary>
/// The causal-LM task: prompt → target encoding, next-token labels on the target only, the loss and the token-level
/// divergences that ignore the prompt, perplexity, and a LoRA + HiddenKey run of a tiny GPT-2 end to end.
/// </summary>
public class CausalLmTaskTests
{
    static DecoderTokenizer Tokenizer(string directory)
    {
        TinyGpt2.WriteTokenizer(directory);
        using var vocab = File.OpenRead(Path.Combine(directory, HfCheckpoint.BpeVocabFile));
        using var merges = File.OpenRead(Path.Combine(directory, HfCheckpoint.BpeMergesFile));
        return DecoderTokenizer.FromByteLevelBpe(vocab, merges, eosId: 49, padId: 49);
    }

    static Example Example(string prompt, string target) => new(prompt, null, new TextTarget(target));

    [Fact]
    public void An_example_is_start_prompt_target_and_end_of_text_with_the_prompt_as_context()
    {
        using var dir = new TestPaths.TempDir();
        var tokenizer = Tokenizer(dir.Path);
        var encoded = CausalLmTask.Encode(tokenizer, Example("hello", " world"), maxLength: 16);
        var prompt = tokenizer.Encode("hello");
        var target = tokenizer.Encode(" world");
        Assert.Equal([.. prompt, .. target, 49], encoded.Tokens.InputIds);
        Assert.Equal(prompt.Count, encoded.PromptLength);
    }

    [Fact]
    public void Too_long_an_example_keeps_the_targets_beginning_and_the_prompts_end()
    {
        using var dir = new TestPaths.TempDir();
        var tokenizer = Tokenizer(dir.Path);
        var prompt = tokenizer.Encode("abcdefgh");            // one token per letter
        var encoded = CausalLmTask.Encode(tokenizer, Example("abcdefgh", "xyz"), maxLength: 6);
        Assert.Equal([.. prompt.Skip(6), .. tokenizer.Encode("xyz"), 49], encoded.Tokens.InputIds);
        // A target longer than the window keeps one position for the prompt and loses its end (and the end-of-text).
        var cut = CausalLmTask.Encode(tokenizer, Example("ab", "cdefghij"), maxLength: 4);
        Assert.Equal([prompt[1], .. tokenizer.Encode("cde")], cut.Tokens.InputIds);
        Assert.Equal(1, cut.PromptLength);
        var e = Assert.Throws<ArgumentException>(() => CausalLmTask.Encode(tokenizer, Example("ab", "c"), maxLength: 1));
        Assert.Contains("max_length 1 leaves no room", e.Message);
    }

    [Fact]
    public void Labels_are_the_next_token_at_target_positions_only()
    {
        var task = new CausalLmTask();
        EncodedExample Encoded(int[] ids, int prompt) => new(new TokenizedText(ids, new int[ids.Length]), new TextTarget("x"), prompt);
        EncodedExample[] batch = [Encoded([5, 6, 7, 8], 2), Encoded([9, 10, 11], 0), Encoded([1, 2, 3, 4, 5], 4)];
        var labels = task.Targets(batch, length: 5, CPU);
        var positions = task.OutputPositions(batch, CPU);
        // Row 0: prompt 5 6 → positions 1, 2 learn 7, 8. Row 1: no prompt (pretraining text) → every token but the
        // first. Row 2: one target token. The head reads only these positions; shorter rows are padded (ignored).
        Assert.Equal(new long[,] { { 7, 8 }, { 10, 11 }, { 5, -100 } }, To2D(labels));
        Assert.Equal(new long[,] { { 1, 2 }, { 0, 1 }, { 3, 0 } }, To2D(positions));
    }

    [Fact]
    public void Projecting_only_the_target_positions_gives_the_loss_and_evaluation_of_projecting_every_position()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteCheckpoint(dir.Path);
        using var pretrained = ModelCatalog.Load(dir.Path);
        var task = new CausalLmTask(TaskMetric.Perplexity);
        var split = task.Encode([Example("abc", " the end."), Example("hello there", " x"), Example("q r s", " hello world.")], pretrained, 16);
        manual_seed(1);
        using var model = pretrained.CreateTaskModel(task, null, null, new LoraOptions(Rank: 2, Alpha: 4));
        model.eval();
        var batch = split.Batch([0, 1, 2], task, CPU);
        var selected = model.Forward(batch.Inputs);
        Assert.Equal(batch.Targets.shape, selected.Logits.shape[..2]);

        // The same batch with every position projected and labelled (the layout before positions were selected).
        // (Padding positions are 0 with an ignored label; every prompt here is longer than one token, so no row learns at 0.)
        var every = model.Forward(batch.Inputs with { OutputPositions = null });
        var labels = full(batch.Inputs.InputIds.shape[0], batch.Inputs.InputIds.shape[1], CausalLmTask.Ignored, dtype: ScalarType.Int64);
        labels.scatter_(1, batch.Inputs.OutputPositions!, batch.Targets);
        Assert.Equal(task.Loss(every, labels).item<float>(), task.Loss(selected, batch.Targets).item<float>(), 1e-5);
        Assert.Equal(task.EvaluationRows(every, labels).data<float>().ToArray(), task.EvaluationRows(selected, batch.Targets).data<float>().ToArray(),
            new FloatTolerance(1e-4f));
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));
        public int GetHashCode(float value) => 0;
    }

    [Fact]
    public void The_loss_and_the_divergences_ignore_prompt_and_padding_positions()
    {
        manual_seed(3);
        var task = new CausalLmTask();
        var labels = tensor(new long[,] { { -100, 3, 4, -100 }, { 1, 2, -100, -100 } });
        var logits = randn(2, 4, 6);
        var other = randn(2, 4, 6);
        var scrambled = logits.clone();
        scrambled[0, 0] = randn(6) * 30;
        scrambled[0, 3] = randn(6) * 30;
        scrambled[1, 2..] = randn(2, 6) * 30;
        ModelOutput Out(Tensor l) => new(l, zeros(2, 4, 1));
        Assert.Equal(task.Loss(Out(logits), labels).item<float>(), task.Loss(Out(scrambled), labels).item<float>(), 1e-6);
        foreach (var kind in Enum.GetValues<ConsistencyDivergence>())
            Assert.Equal(task.Divergence(kind, Out(logits), Out(other), labels).item<float>(),
                task.Divergence(kind, Out(scrambled), Out(other), labels).item<float>(), 1e-6);

        // By hand: the mean negative log-likelihood over the four target tokens.
        var logp = logits.log_softmax(-1);
        double byHand = -(logp[0, 1, 3].item<float>() + logp[0, 2, 4].item<float>() + logp[1, 0, 1].item<float>() + logp[1, 1, 2].item<float>()) / 4;
        Assert.Equal(byHand, task.Loss(Out(logits), labels).item<float>(), 1e-5);
        // Label smoothing 0.1 mixes in the mean NLL over the whole vocabulary, as torch's cross_entropy defines it.
        double uniform = -new[] { (0, 1), (0, 2), (1, 0), (1, 1) }.Average(p => logp[p.Item1, p.Item2].mean().item<float>());
        Assert.Equal(0.9 * byHand + 0.1 * uniform, new CausalLmTask(labelSmoothing: 0.1).Loss(Out(logits), labels).item<float>(), 1e-5);
    }

    [Fact]
    public void Perplexity_is_the_exponent_of_the_mean_target_token_loss_over_the_split()
    {
        manual_seed(4);
        var task = new CausalLmTask(TaskMetric.Perplexity);
        var labels = tensor(new long[,] { { -100, 3, 4, -100 }, { 1, -100, -100, -100 } });
        var logits = randn(2, 4, 6);
        var rows = task.EvaluationRows(new ModelOutput(logits, zeros(1)), labels);
        var flat = rows.data<float>().ToArray();
        var scores = task.Evaluate(new Predictions([flat[..3], flat[3..]], [new TextTarget("a"), new TextTarget("b")], 0));
        Assert.Equal(["perplexity", "token-accuracy"], scores.Keys);
        double meanLoss = task.Loss(new ModelOutput(logits, zeros(1)), labels).item<float>();
        Assert.Equal(Math.Exp(meanLoss), scores["perplexity"], 1e-4);
        var argmax = logits.argmax(-1);
        int right = (argmax[0, 1].item<long>() == 3 ? 1 : 0) + (argmax[0, 2].item<long>() == 4 ? 1 : 0) + (argmax[1, 0].item<long>() == 1 ? 1 : 0);
        Assert.Equal(right / 3.0, scores["token-accuracy"], 1e-9);
        Assert.False(task.Primary.HigherIsBetter);
    }

    [Fact]
    public void A_metric_the_task_cannot_compute_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new CausalLmTask(TaskMetric.Accuracy));
        Assert.Equal("metric accuracy does not apply to generation; expected one of: bleu, nist, meteor, rouge_l, cider, ter, perplexity, token_accuracy", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ClassificationTask(["a", "b"], TaskMetric.Perplexity));
        Assert.Contains("metric perplexity does not apply to classification", e.Message);
        e = Assert.Throws<ArgumentException>(() => new CausalLmTask(labelSmoothing: 1));
        Assert.Contains("label_smoothing 1 is outside [0, 1)", e.Message);
    }

    [Fact]
    public void An_encoder_cannot_take_a_generation_task()
    {
        using var dir = new TestPaths.TempDir();
        WritePromptTargetData(dir.Path, 8);
        var data = DatasetLoader.Load(new DataOptions { Format = DataFormats.PromptTarget, Path = dir.Path }, new Pipeline.Storage.PipelineHome(dir.Path));
        var task = FineTuningTask.For(data);
        using var miniLm = ModelCatalog.Load();
        var e = Assert.Throws<ArgumentException>(() => task.Encode(data.Train, miniLm, 32));
        Assert.Contains("is not a decoder with a tokenizer: a generation task (prompt_target data) fine-tunes a causal language model", e.Message);
    }

    /// <summary>
    /// A prompt → target set the tiny tokenizer can spell: a prompt of letters, and a target that depends on its
    /// first letter (" the end." after a vowel, " hello world." otherwise), so a model can learn it from the prompt.
    /// </summary>
    internal static void WritePromptTargetData(string folder, int count)
    {
        var random = new Random(5);
        string Line()
        {
            string prompt = new([.. Enumerable.Range(0, random.Next(3, 7)).Select(_ => (char)('a' + random.Next(26)))]);
            string target = "aeiou".Contains(prompt[0]) ? " the end." : " hello world.";
            return System.Text.Json.JsonSerializer.Serialize(new { prompt, target });
        }
        foreach (var (split, n) in new[] { ("train", count), ("dev", count / 4), ("test", count / 4) })
            File.WriteAllLines(Path.Combine(folder, split + ".jsonl"), Enumerable.Range(0, n).Select(_ => Line()));
    }

    [Fact]
    public void LoRA_and_HiddenKey_fine_tuning_of_a_decoder_lowers_dev_perplexity_and_writes_a_run_folder_with_its_generations()
    {
        using var dir = new TestPaths.TempDir();
        string model = Directory.CreateDirectory(Path.Combine(dir.Path, "model")).FullName;
        string data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        TinyGpt2.WriteCheckpoint(model);
        WritePromptTargetData(data, 64);
        var definition = new ExperimentDefinition("decoder-lm", ExperimentDefinition.DefaultVariant, "",
            new ModelOptions(Name: null, Path: model),
            new TaskOptions(Dataset: null, Format: DataFormats.PromptTarget, Path: data, MaxLength: 16,
                Decoding: new DecodingOptions(NumBeams: 2, NoRepeatNgramSize: 0, MaxNewTokens: 5)),
            new LoraOptions(Rank: 4, Alpha: 8),
            Presets.HiddenKey(),
            new TrainingOptions(Epochs: 4, BatchSize: 8, LearningRate: 1e-2, Device: "cpu", LabelSmoothing: 0.1),
            [1]);
        var logs = new List<string>();
        var outcome = ExperimentRunner.Run(definition, new RunRequest(Path.Combine(dir.Path, "runs"), Seed: 1), log: logs.Add);

        var history = outcome.Metrics.History;
        Assert.Equal(4, history.Count);
        Assert.Equal("bleu", history[0].Primary); // generation's default: dev BLEU of beam-searched texts picks the best epoch
        Assert.Equal(["bleu", "nist", "rouge-l", "cider", "ter", "perplexity", "token-accuracy"], history[0].Metrics.Keys);
        Assert.True(history[^1].Metrics["perplexity"] < history[0].Metrics["perplexity"],
            $"dev perplexity {history[0].Metrics["perplexity"]} → {history[^1].Metrics["perplexity"]}");
        Assert.True(history[^1].DevLoss < history[0].DevLoss);
        Assert.All(history, h => Assert.True(h.ConsistencyLoss > 0, "HiddenKey's KL must be part of the loss"));
        // A random tiny GPT-2 starts far from the data (dev loss ≈ 20 nats a token); 32 LoRA steps take a good part of that away.
        Assert.True(history[^1].DevLoss < 0.8 * history[0].DevLoss, string.Join(" ", history.Select(h => $"{h.DevLoss:0.000}")));
        Assert.True(double.IsFinite(outcome.Metrics.Test["perplexity"]) && outcome.Metrics.Test.ContainsKey("token-accuracy"));
        var store = new RunStore(Path.Combine(dir.Path, "runs"), "decoder-lm", ExperimentDefinition.DefaultVariant, 1);
        Assert.True(File.Exists(store.AdapterFile) && File.Exists(store.HistoryFile) && File.Exists(store.ConfigFile));

        // The test metrics score exactly the texts in predictions.jsonl, one line per test example, in order.
        var lines = File.ReadAllLines(store.PredictionsFile).Select(l => JsonSerializer.Deserialize<PredictionLine>(l, AtomicFile.JsonOptions)!).ToList();
        var test = File.ReadAllLines(Path.Combine(data, "test.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(test.Select(t => t.GetProperty("prompt").GetString()), lines.Select(l => l.Prompt));
        Assert.Equal(test.Select(t => t.GetProperty("target").GetString()), lines.Select(l => l.References.Single()));
        var rescored = NlgScorer.Score([.. lines.Select(l => l.Prediction)], [.. lines.Select(l => (IReadOnlyList<string>)[l.References[0].Trim()])], ["bleu", "cider"]);
        Assert.Equal(rescored["bleu"], outcome.Metrics.Test["bleu"], 12);
        Assert.Equal(rescored["cider"], outcome.Metrics.Test["cider"], 12);
        // The NLG recipe fills what the YAML left out: weight decay 0.01 (and label smoothing 0.1 where unwritten).
        Assert.Contains("\"weightDecay\": 0.01", File.ReadAllText(store.ConfigFile));
        Assert.Contains(logs, l => l.StartsWith("head: LanguageModelHead, 0 trainable parameters"));
    }

    [Fact]
    public void LoRA_with_train_embeddings_trains_and_saves_the_token_embeddings_and_without_it_leaves_them_frozen()
    {
        using var dir = new TestPaths.TempDir();
        string model = Directory.CreateDirectory(Path.Combine(dir.Path, "model")).FullName;
        string data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        TinyGpt2.WriteCheckpoint(model);
        WritePromptTargetData(data, 16);
        using var pretrained = ModelCatalog.Load(model);
        var original = pretrained.Weights.Tensors.Single(w => w.Key.EndsWith("wte.weight")).Value;
        foreach (bool train in new[] { true, false })
        {
            var definition = new ExperimentDefinition("embeddings", train ? "trained" : "frozen", "",
                new ModelOptions(Name: null, Path: model),
                new TaskOptions(Dataset: null, Format: DataFormats.PromptTarget, Path: data, MaxLength: 16, Metric: "perplexity",
                    Decoding: new DecodingOptions(NumBeams: 1, MaxNewTokens: 4)),
                new LoraOptions(Rank: 2, Alpha: 4, TrainEmbeddings: train), Presets.Baseline(),
                new TrainingOptions(Epochs: 1, BatchSize: 8, LearningRate: 1e-2, Device: "cpu"), [1]);
            var outcome = ExperimentRunner.Run(definition, new RunRequest(Path.Combine(dir.Path, "runs"), Seed: 1));
            var saved = Checkpoints.LoadWeights(Path.Combine(outcome.Directory, "adapter.bin"));
            var embedding = saved.Where(w => w.Key.EndsWith("wte.weight")).Select(w => w.Value).SingleOrDefault();
            if (train)
                Assert.True(embedding is not null && !embedding.allclose(original), "the trained embeddings are saved with the adapters, changed");
            else
                Assert.Null(embedding);
            Assert.Contains(saved.Keys, k => k.Contains("lora_A"));
        }
    }

    [Fact]
    public void Every_reference_of_a_training_input_trains_unless_told_to_train_on_the_first_only()
    {
        using var dir = new TestPaths.TempDir();
        string model = Directory.CreateDirectory(Path.Combine(dir.Path, "model")).FullName;
        string data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        TinyGpt2.WriteCheckpoint(model);
        // 16 training inputs with two texts each (JSONL "targets"); dev and test with one.
        string Line(int i, params string[] targets) => JsonSerializer.Serialize(new { prompt = $"p{i}", targets });
        File.WriteAllLines(Path.Combine(data, "train.jsonl"), Enumerable.Range(0, 16).Select(i => Line(i, " a b.", " b a.")));
        foreach (string split in new[] { "dev", "test" })
            File.WriteAllLines(Path.Combine(data, split + ".jsonl"), Enumerable.Range(0, 4).Select(i => Line(i, " a b.")));
        foreach (bool every in new[] { true, false })
        {
            var definition = new ExperimentDefinition("references", every ? "every" : "first", "",
                new ModelOptions(Name: null, Path: model),
                new TaskOptions(Dataset: null, Format: DataFormats.PromptTarget, Path: data, MaxLength: 16, Metric: "perplexity",
                    Decoding: new DecodingOptions(NumBeams: 1, MaxNewTokens: 4), TrainEveryReference: every),
                new LoraOptions(Rank: 2, Alpha: 4), Presets.Baseline(),
                new TrainingOptions(Epochs: 1, BatchSize: 8, LearningRate: 1e-2, Device: "cpu"), [1]);
            var logs = new List<string>();
            var outcome = ExperimentRunner.Run(definition, new RunRequest(Path.Combine(dir.Path, "runs"), Seed: 1), log: logs.Add);
            // 32 (input, text) pairs are 4 steps of 8; the 16 first texts 2.
            Assert.Equal(every ? 4 : 2, outcome.Metrics.Final.Step);
            Assert.Equal(every, logs.Contains("training on 32 (input, reference) pairs of 16 inputs (task.train_every_reference)"));
        }
    }

    [Fact]
    public void A_LLaMA_decoder_fine_tunes_with_its_bos_before_the_prompt_and_every_target_incl_ffn_gate()
    {
        using var dir = new TestPaths.TempDir();
        string data = Directory.CreateDirectory(Path.Combine(dir.Path, "data")).FullName;
        WritePromptTargetData(data, 32);
        var definition = new ExperimentDefinition("llama-lm", ExperimentDefinition.DefaultVariant, "",
            new ModelOptions(Name: null, Path: TinyLlama.FixtureDirectory),
            new TaskOptions(Dataset: null, Format: DataFormats.PromptTarget, Path: data, MaxLength: 32, Metric: "perplexity",
                Decoding: new DecodingOptions(NumBeams: 1, MaxNewTokens: 8)),
            new LoraOptions(Rank: 2, Alpha: 4, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnGate]),
            Presets.HiddenKey(),
            new TrainingOptions(Epochs: 2, BatchSize: 8, LearningRate: 1e-2, Device: "cpu"),
            [1]);
        var outcome = ExperimentRunner.Run(definition, new RunRequest(Path.Combine(dir.Path, "runs"), Seed: 1));
        var history = outcome.Metrics.History;
        Assert.True(history[^1].DevLoss < history[0].DevLoss, string.Join(" ", history.Select(h => $"{h.DevLoss:0.000}")));

        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        var tokenizer = pretrained.RequireDecoderTokenizer();
        var encoded = CausalLmTask.Encode(tokenizer, Example("abc", " the end."), maxLength: 32);
        Assert.Equal([.. tokenizer.Start, .. tokenizer.Encode("abc")], encoded.Tokens.InputIds[..encoded.PromptLength]);
        Assert.Equal(tokenizer.EosId, encoded.Tokens.InputIds[^1]);
    }

    static long[,] To2D(Tensor t)
    {
        var values = t.data<long>().ToArray();
        var result = new long[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(long));
        return result;
    }
}
