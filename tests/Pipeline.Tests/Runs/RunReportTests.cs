using Pipeline.Lora;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Training;

namespace Pipeline.Tests.Runs;

public class RunReportTests
{
    static void WriteRun(string root, string experiment, string variant, int seed, double bestDev, double test, int bestEpoch = 3,
        ParameterCounts? parameters = null)
    {
        var store = new RunStore(root, experiment, variant, seed);
        Directory.CreateDirectory(store.Directory);
        EpochRecord Record(int epoch, double accuracy, double trainLoss, double devLoss) =>
            new(epoch, epoch * 10, trainLoss, trainLoss, 0, devLoss, new Dictionary<string, double> { ["accuracy"] = accuracy }, "accuracy", 1e-4, epoch, 100);
        var best = Record(bestEpoch, bestDev, 0.3, 0.4);
        var final = Record(5, bestDev - 0.01, 0.1 * seed, 0.5 + seed);
        AtomicFile.WriteJson(store.MetricsFile, new RunMetrics(experiment, variant, seed, "accuracy", best, final,
            new Dictionary<string, double> { ["accuracy"] = test }, null, 60, parameters ?? new ParameterCounts(100, 8, 2, 10), [best, final]));
    }

    [Fact]
    public void Variants_are_summarised_by_the_median_over_seeds_best_first()
    {
        using var dir = new TestPaths.TempDir();
        WriteRun(dir.Path, "table1-dropkey", "rate=0.1", 1, 0.80, 0.70);
        WriteRun(dir.Path, "table1-dropkey", "rate=0.1", 2, 0.84, 0.74);
        WriteRun(dir.Path, "table1-dropkey", "rate=0.1", 3, 0.82, 0.79, bestEpoch: 5);
        WriteRun(dir.Path, "table1-dropkey", "rate=0.2", 1, 0.70, 0.60);
        WriteRun(dir.Path, "table1-dropkey", "rate=0.2", 2, 0.92, 0.80);
        WriteRun(dir.Path, "quickstart", "default", 1, 0.83, 0.75);
        Directory.CreateDirectory(new RunStore(dir.Path, "table1-dropkey", "rate=0.2", 3).Directory); // started, not finished

        var report = RunReport.Collect(dir.Path);

        Assert.Equal(["quickstart/default", "table1-dropkey/rate=0.1", "table1-dropkey/rate=0.2"],
            report.Variants.Select(v => $"{v.Experiment}/{v.Variant}"));
        var a = report.Variants[1];
        Assert.Equal([1, 2, 3], a.Seeds);
        Assert.Equal(0.82, a.MedianBestDev, 12);
        Assert.Equal(0.82, a.MeanBestDev, 12);
        Assert.Equal(0.02, a.StdBestDev, 12);          // sample standard deviation of 0.80, 0.84, 0.82
        Assert.Equal(0.74, a.MedianTest!.Value, 12);
        Assert.Equal(3, a.MedianBestEpoch);
        Assert.Equal(0.2, a.MedianFinalTrainLoss, 12);  // 0.1·seed
        Assert.Equal(2.5, a.MedianFinalDevLoss, 12);    // 0.5 + seed
        Assert.Equal(0.81, report.Variants[2].MedianBestDev, 12); // an even count: the mean of the middle two
        Assert.Equal([new RunStore(dir.Path, "table1-dropkey", "rate=0.2", 3).Directory], report.Incomplete);
    }

    [Fact]
    public void The_report_tells_LoRA_from_full_fine_tuning_with_the_trainable_parameters()
    {
        using var dir = new TestPaths.TempDir();
        WriteRun(dir.Path, "lora-run", "default", 1, 0.8, 0.7, parameters: new ParameterCounts(1_000_000, 8_000, 200, 8_200));
        WriteRun(dir.Path, "full-run", "default", 1, 0.9, 0.8, parameters: new ParameterCounts(1_000_000, 0, 200, 1_000_000));

        var report = RunReport.Collect(dir.Path);
        Assert.True(report.Variants.Single(v => v.Experiment == "full-run").Parameters.IsFullFineTuning);
        Assert.False(report.Variants.Single(v => v.Experiment == "lora-run").Parameters.IsFullFineTuning);

        var (code, output) = PipelineProcess.Run($"report --out {dir.Path}");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^full-run .* full 1,000,000\s*$", output);
        Assert.Matches(@"(?m)^lora-run .* lora 8,200\s*$", output);
    }

    [Fact]
    public void The_best_variant_is_marked_per_task_so_a_dataset_axis_is_not_a_grid()
    {
        using var dir = new TestPaths.TempDir();
        void Run(string experiment, string variant, string dataset, double dev)
        {
            WriteRun(dir.Path, experiment, variant, 1, dev, dev);
            AtomicFile.WriteJson(new RunStore(dir.Path, experiment, variant, 1).DataFile, new { Name = dataset });
        }
        Run("grid", "rate=0.1", "mr-polarity", 0.80);
        Run("grid", "rate=0.2", "mr-polarity", 0.90);
        Run("tasks", "dataset=mr-polarity", "mr-polarity", 0.70);
        Run("tasks", "dataset=debian-sections", "debian-sections", 0.95);

        var (code, output) = PipelineProcess.Run($"report --out {dir.Path}");
        Assert.True(code == 0, output);
        Assert.Matches(@"(?m)^grid\s+rate=0\.2 \*\s", output);
        Assert.Matches(@"(?m)^grid\s+rate=0\.1\s+1\s", output);
        Assert.DoesNotMatch(@"(?m)^tasks\s+\S+ \*", output);
    }

    [Fact]
    public void A_max_examples_axis_is_a_condition_each_size_a_task_column_and_other_axes_still_tuned_within_it()
    {
        using var dir = new TestPaths.TempDir();
        void Run(string experiment, string variant, double dev, double test)
        {
            WriteRun(dir.Path, experiment, variant, 1, dev, test);
            AtomicFile.WriteJson(new RunStore(dir.Path, experiment, variant, 1).DataFile, new { Name = "mr-polarity" });
        }
        // The larger sample scores best on dev; as a grid it would hide the small one. Within a size, rate is tuned.
        Run("sizes", "max_examples=250,rate=0.1", 0.70, 0.69);
        Run("sizes", "max_examples=250,rate=0.2", 0.72, 0.66);
        Run("sizes", "max_examples=1000,rate=0.1", 0.85, 0.84);
        Run("sizes", "max_examples=1000,rate=0.2", 0.80, 0.81);
        Run("base", "max_examples=250", 0.65, 0.64);
        Run("base", "max_examples=1000", 0.83, 0.82);

        var report = RunReport.Collect(dir.Path);
        var table = new Pipeline.Reports.MethodTable(report);
        Assert.Equal(["mr-polarity (n=250)", "mr-polarity (n=1000)"], table.Tasks);   // by size, not by text
        Assert.Equal("max_examples=250,rate=0.2", table.Cells[("sizes", "mr-polarity (n=250)")].Variant.Variant);
        Assert.Equal(0.66, table.Cells[("sizes", "mr-polarity (n=250)")].MedianTest, 12);
        Assert.Equal("max_examples=1000,rate=0.1", table.Cells[("sizes", "mr-polarity (n=1000)")].Variant.Variant);

        // Each size is compared with the baseline's run of the same size.
        var significance = SignificanceReport.Against(report, "base", resamples: 100);
        Assert.Equal(["max_examples=1000", "max_examples=250"], significance.Baselines.Select(b => b.Variant));
        // (These runs wrote no per-example test predictions, so each pairing stops there — after finding its baseline.)
        Assert.Equal(["sizes [max_examples=1000,rate=0.1] on mr-polarity (n=1000)", "sizes [max_examples=250,rate=0.2] on mr-polarity (n=250)"],
            significance.Skipped.Select(s => s[..s.IndexOf(':')]));
        Assert.DoesNotContain(significance.Skipped, s => s.Contains("the baseline has no complete run"));
        Assert.Equal("mr-polarity", RunReport.ReportedTask("mr-polarity", "rate=0.1,dataset=mr-polarity"));
    }

    [Fact]
    public void One_experiment_can_be_reported_alone()
    {
        using var dir = new TestPaths.TempDir();
        WriteRun(dir.Path, "a", "default", 1, 0.8, 0.7);
        WriteRun(dir.Path, "b", "default", 1, 0.9, 0.8);
        Directory.CreateDirectory(new RunStore(dir.Path, "a", "default", 2).Directory);

        var report = RunReport.Collect(dir.Path, "b");

        Assert.Equal("b", Assert.Single(report.Variants).Experiment);
        Assert.Empty(report.Incomplete);
    }

    [Fact]
    public void Several_sources_report_as_one_and_a_run_in_two_of_them_is_an_error()
    {
        using var dir = new TestPaths.TempDir();
        string earlier = Path.Combine(dir.Path, "earlier"), later = Path.Combine(dir.Path, "later");
        WriteRun(earlier, "grid", "weight=1", 1, 0.80, 0.70);
        WriteRun(earlier, "baseline", "default", 1, 0.78, 0.69);
        string summary = Path.Combine(dir.Path, "earlier.json");
        RunReport.Export(RunReport.Collect(earlier), summary);
        WriteRun(later, "grid", "weight=10", 1, 0.84, 0.72);
        WriteRun(later, "grid", "weight=10", 2, 0.86, 0.74);

        var report = RunReport.Collect([summary, later]);
        Assert.Equal(["baseline/default", "grid/weight=10", "grid/weight=1"], report.Variants.Select(v => $"{v.Experiment}/{v.Variant}"));
        Assert.Equal([1, 2], report.Variants[1].Seeds);
        Assert.Equal(0.85, report.Variants[1].MedianBestDev, 12);
        Assert.Equal(["weight=10", "weight=1"], RunReport.Collect([summary, later], "grid").Variants.Select(v => v.Variant));

        WriteRun(later, "grid", "weight=1", 1, 0.81, 0.71);
        var twice = Assert.Throws<InvalidDataException>(() => RunReport.Collect([summary, later]));
        Assert.Contains("run grid [weight=1] seed 1 is in both", twice.Message);
        Assert.Contains(summary, twice.Message);
    }

    [Fact]
    public void A_missing_runs_folder_says_how_one_is_made()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => RunReport.Collect("/nonexistent/runs"));
        Assert.Contains("--out", error.Message);
    }
}
