using Pipeline.Lora;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Training;

namespace Pipeline.Tests.Runs;

/// <summary><c>pipeline report --baseline</c> on a runs folder made here: every number below follows from how the runs are built.</summary>
public class SignificanceReportTests
{
    const int Examples = 100;
    static readonly double[] Gold = Enumerable.Range(0, Examples).Select(i => (double)(i % 2)).ToArray();

    /// <summary>A complete run whose test predictions are wrong on <paramref name="wrong"/> of the examples.</summary>
    static void WriteRun(string root, string experiment, int seed, Func<int, bool> wrong, double bestDev, bool examples = true)
    {
        var store = new RunStore(root, experiment, "default", seed);
        Directory.CreateDirectory(store.Directory);
        var predicted = Gold.Select((g, i) => wrong(i) ? 1 - g : g).ToArray();
        double accuracy = predicted.Zip(Gold).Count(p => p.First == p.Second) / (double)Examples;
        var record = new EpochRecord(1, 10, 0.3, 0.3, 0, 0.4, new Dictionary<string, double> { ["accuracy"] = bestDev }, "accuracy", 1e-4, 1, 100);
        AtomicFile.WriteJson(store.MetricsFile, new RunMetrics(experiment, "default", seed, "accuracy", record, record,
            new Dictionary<string, double> { ["accuracy"] = accuracy }, null, 60, new ParameterCounts(100, 8, 2, 10), [record]));
        if (examples) store.WriteTestExamples(predicted, Gold);
        AtomicFile.WriteJson(store.DataFile, new { Name = "mr-polarity" });
    }

    static string Runs(TestPaths.TempDir dir)
    {
        foreach (int seed in new[] { 1, 2, 3, 4, 5 })
        {
            // The baseline errs on 10 examples per seed (another 10 each seed); "better" never errs; "mixed" errs on
            // the baseline's examples at seeds 1–2 and on 20 others at seeds 3–5.
            WriteRun(dir.Path, "baseline", seed, i => i / 10 == seed, 0.80);
            WriteRun(dir.Path, "better", seed, _ => false, 0.85);
            WriteRun(dir.Path, "mixed", seed, i => seed <= 2 ? i / 10 == seed : i >= 70 && i < 90, 0.82);
        }
        WriteRun(dir.Path, "unrecorded", 1, _ => false, 0.9, examples: false);
        return dir.Path;
    }

    [Fact]
    public void Every_method_is_compared_with_the_baseline_on_pooled_test_examples_and_over_seeds()
    {
        using var dir = new TestPaths.TempDir();
        string root = Runs(dir);
        var result = SignificanceReport.Against(RunReport.Collect(root), "baseline", resamples: 2_000);

        Assert.Equal("baseline", result.Baselines.Single().Experiment);
        var better = result.Rows.Single(r => r.Experiment == "better");
        Assert.Equal([1, 2, 3, 4, 5], better.Seeds);
        Assert.Equal(0.1, better.Bootstrap.Difference, 12); // 50 errors of the baseline over 500 pooled examples
        Assert.Equal(500, better.Bootstrap.Examples);
        Assert.Equal(0, better.Bootstrap.PValue);
        Assert.True(better.Bootstrap.Low > 0.07 && better.Bootstrap.High < 0.13, $"{better.Bootstrap}");
        Assert.Equal(0.0625, better.Wilcoxon, 12); // 5 positive differences: the smallest p 5 seeds allow
        Assert.Equal(0.0625, better.Sign, 12);

        var mixed = result.Rows.Single(r => r.Experiment == "mixed");
        Assert.Equal(-0.06, mixed.Bootstrap.Difference, 12); // 10 + 10 + 3 · 20 = 80 errors against 50
        // Per seed 0, 0, −0.1, −0.1, −0.1: 3 non-zero differences, all negative, tied → 2 · 1/8 for both tests.
        Assert.Equal(0.25, mixed.Sign, 12);
        Assert.Equal(0.25, mixed.Wilcoxon, 12);
        Assert.True(mixed.Bootstrap.High < 0 && mixed.Bootstrap.PValue < 0.01, $"{mixed.Bootstrap}");

        Assert.Equal(["unrecorded [default] on mr-polarity: seed 1 has no test_examples.csv (runs made before runs recorded their test examples: run them again)"],
            result.Skipped);
    }

    [Fact]
    public void The_CLI_prints_the_comparisons_and_the_same_numbers_every_time()
    {
        using var dir = new TestPaths.TempDir();
        string root = Runs(dir);
        var (code, first) = PipelineProcess.Run($"report --out {root} --baseline baseline --resamples 1000");
        Assert.True(code == 0, first);
        Assert.Contains("significance against baseline [default] on mr-polarity", first);
        Assert.Matches(@"better\s+default\s+mr-polarity\s+accuracy\s+1,2,3,4,5\s+\+0\.1000\s+\[\+0\.\d{4}, \+0\.\d{4}\]\s+0\.0000\s+0\.0625\s+0\.0625", first);
        Assert.Contains("not compared: unrecorded [default]", first);
        var (_, second) = PipelineProcess.Run($"report --out {root} --baseline baseline --resamples 1000");
        Assert.Equal(first, second);

        var (refused, message) = PipelineProcess.Run($"report --out {root} --baseline nothing");
        Assert.Equal(1, refused);
        Assert.Contains("no complete run of the baseline 'nothing'", message);
    }

    /// <summary>A complete generation run whose test texts are <paramref name="hypotheses"/> against <paramref name="references"/>.</summary>
    static void WriteGenerationRun(string root, string experiment, int seed, string metric, string[] hypotheses, string[][] references)
    {
        var store = new RunStore(root, experiment, "default", seed);
        Directory.CreateDirectory(store.Directory);
        var record = new EpochRecord(1, 10, 0.3, 0.3, 0, 0.4, new Dictionary<string, double> { [metric] = 0.5 }, metric, 1e-4, 1, 100);
        AtomicFile.WriteJson(store.MetricsFile, new RunMetrics(experiment, "default", seed, metric, record, record,
            new Dictionary<string, double> { [metric] = 0.5 }, null, 60, new ParameterCounts(100, 8, 2, 10), [record]));
        var lines = hypotheses.Select((h, i) => System.Text.Json.JsonSerializer.Serialize(new PredictionLine($"mr {i}", h, references[i]),
            new System.Text.Json.JsonSerializerOptions(AtomicFile.JsonOptions) { WriteIndented = false }));
        File.WriteAllText(store.PredictionsFile, string.Join("\n", lines) + "\n");
        AtomicFile.WriteJson(store.DataFile, new { Name = "pkmn-moves" });
    }

    [Fact]
    public void Generation_runs_are_compared_on_corpus_BLEU_of_resampled_test_texts()
    {
        using var dir = new TestPaths.TempDir();
        const int n = 40;
        string[][] references = [.. Enumerable.Range(0, n).Select(i => new[] { $"the move deals {i} damage to the target .", $"it hits the target for {i} damage ." })];
        string[] right = [.. Enumerable.Range(0, n).Select(i => $"the move deals {i} damage to the target .")];
        int[] seeds = [1, 2, 3];
        foreach (int seed in seeds)
        {
            // The baseline writes a vaguer text for every fourth example (another quarter each seed).
            string[] baseline = [.. right.Select((t, i) => i % 4 == seed ? "the target takes damage ." : t)];
            WriteGenerationRun(dir.Path, "baseline", seed, "bleu", baseline, references);
            WriteGenerationRun(dir.Path, "better", seed, "bleu", right, references);
            WriteGenerationRun(dir.Path, "same", seed, "bleu", baseline, references);
            WriteGenerationRun(dir.Path, "by-rouge", seed, "rouge-l", right, references);
        }
        string[][] otherReferences = [.. references.Select(r => new[] { r[0] })];
        WriteGenerationRun(dir.Path, "other-split", 1, "bleu", right, otherReferences);

        var result = SignificanceReport.Against(RunReport.Collect(dir.Path), "baseline", resamples: 1_000);

        var better = result.Rows.Single(r => r.Experiment == "better");
        Assert.Equal(3 * n, better.Bootstrap.Examples);
        // Δ is corpus BLEU of the pooled texts, as `pipeline score` computes it, method − baseline.
        IReadOnlyList<IReadOnlyList<string>> pooledReferences = [.. seeds.SelectMany(_ => references)];
        string[] pooledBaseline = [.. seeds.SelectMany(seed => right.Select((t, i) => i % 4 == seed ? "the target takes damage ." : t))];
        double expected = Pipeline.Metrics.Nlg.Bleu.Score([.. seeds.SelectMany(_ => right)], pooledReferences)
                          - Pipeline.Metrics.Nlg.Bleu.Score(pooledBaseline, pooledReferences);
        Assert.Equal(expected, better.Bootstrap.Difference, 12);
        Assert.True(better.Bootstrap.Difference > 0.1 && better.Bootstrap.Low > 0 && better.Bootstrap.PValue == 0, $"{better.Bootstrap}");
        Assert.Equal(0.25, better.Wilcoxon, 12); // 3 seeds, all better: 2 · 1/8
        Assert.Equal("bleu", better.Metric);

        var same = result.Rows.Single(r => r.Experiment == "same");
        Assert.Equal((0.0, 1.0), (same.Bootstrap.Difference, same.Bootstrap.PValue));

        Assert.Contains(result.Skipped, s => s.StartsWith("by-rouge [default] on pkmn-moves: its metric is rouge-l, the baseline's bleu"));
        Assert.Contains("other-split [default] on pkmn-moves: seed 1: its test split differs from the baseline's (other references)", result.Skipped);
    }

    [Fact]
    public void Text_metrics_other_than_BLEU_are_skipped_with_the_reason()
    {
        using var dir = new TestPaths.TempDir();
        string[][] references = [["a b c d e"], ["f g h i j"]];
        WriteGenerationRun(dir.Path, "baseline", 1, "rouge-l", ["a b c d e", "f g"], references);
        WriteGenerationRun(dir.Path, "method", 1, "rouge-l", ["a b c d e", "f g h i j"], references);
        var result = SignificanceReport.Against(RunReport.Collect(dir.Path), "baseline", resamples: 100);
        Assert.Empty(result.Rows);
        Assert.Equal(["method [default] on pkmn-moves: rouge-l is scored on texts; of the text metrics the paired tests take BLEU, whose corpus score is a sum over segments"],
            result.Skipped);
    }

    [Fact]
    public void A_damaged_predictions_file_is_an_error_naming_the_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        string file = dir.File("predictions.jsonl");
        File.WriteAllText(file, "{\"prompt\":\"p\",\"prediction\":\"a\",\"references\":[\"a\"]}\n{\"prompt\":\"p\",\"prediction\":\"b\"}\n");
        var missing = Assert.Throws<InvalidDataException>(() => RunStore.ReadTestTexts(file));
        Assert.StartsWith($"{file}:2: expected an object with 'prediction' and 'references'", missing.Message);

        File.WriteAllText(file, "{\"prompt\":\"p\",\"prediction\":\"a\",\"references\":[\"a\"]}\nnot json\n");
        Assert.StartsWith($"{file}:2: not a prediction line", Assert.Throws<InvalidDataException>(() => RunStore.ReadTestTexts(file)).Message);
    }
}
