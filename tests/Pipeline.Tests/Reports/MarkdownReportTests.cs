using Pipeline.Lora;
using Pipeline.Reports;
using Pipeline.Runs;
using Pipeline.Storage;
using Pipeline.Training;

namespace Pipeline.Tests.Reports;

/// <summary>
/// <c>pipeline report --format markdown</c> on a runs folder made here (3 methods, 2 tasks, 3 seeds, a rate grid):
/// report.md and every figure's CSV are compared with the snapshots in Fixtures/report/ (accept a deliberate change
/// with PIPELINE_ACCEPT_SNAPSHOTS=1), the PNGs are checked to be pictures of the stated size, and a report made from
/// the exported summary is the same as the one made from the folders.
/// </summary>
public class MarkdownReportTests
{
    static readonly string Snapshots = Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", "report");

    static void WriteRun(string root, string experiment, string variant, string dataset, int seed, double quality)
    {
        var store = new RunStore(root, experiment, variant, seed);
        Directory.CreateDirectory(store.Directory);
        var history = Enumerable.Range(1, 3).Select(epoch => new EpochRecord(epoch, epoch * 10, 0.7 - 0.1 * epoch - quality / 10, 0.7 - 0.1 * epoch, 0,
            0.6 - 0.05 * epoch + 0.01 * seed, new Dictionary<string, double> { ["accuracy"] = quality + 0.01 * epoch + 0.002 * seed }, "accuracy", 1e-4, epoch, 100)).ToList();
        var best = history[^1];
        // Test: 50 examples, wrong on a number that falls with quality and varies with the seed.
        int wrong = (int)Math.Round(50 * (1 - quality)) + seed % 2;
        var gold = Enumerable.Range(0, 50).Select(i => (double)(i % 2)).ToArray();
        var predicted = gold.Select((g, i) => i < wrong ? 1 - g : g).ToArray();
        store.WriteTestExamples(predicted, gold);
        AtomicFile.WriteJson(store.MetricsFile, new RunMetrics(experiment, variant, seed, "accuracy", best, best,
            new Dictionary<string, double> { ["accuracy"] = 1 - wrong / 50.0 }, null, 30 * (experiment == "hiddenkey" ? 1.5 : 1), new ParameterCounts(100, 8, 2, 10), history));
        AtomicFile.WriteJson(store.DataFile, new { Name = dataset });
    }

    static string Runs(string root)
    {
        foreach (string dataset in new[] { "mr-polarity", "conll2010-hedge" })
            foreach (int seed in new[] { 1, 2, 3 })
            {
                // The second task as a dataset axis would name it: another variant of the same experiment.
                string prefix = dataset == "mr-polarity" ? "" : $"dataset={dataset},";
                double shift = dataset == "mr-polarity" ? 0 : 0.05;
                WriteRun(root, "baseline", prefix.Length > 0 ? prefix.TrimEnd(',') : "default", dataset, seed, 0.80 + shift);
                WriteRun(root, "hiddenkey", prefix + "rate=0.05", dataset, seed, 0.82 + shift);
                WriteRun(root, "hiddenkey", prefix + "rate=0.1", dataset, seed, 0.84 + shift);
                if (dataset == "mr-polarity") WriteRun(root, "dropkey", "default", dataset, seed, 0.81);
            }
        return root;
    }

    /// <summary>Compares a text with its snapshot file, or writes the file when PIPELINE_ACCEPT_SNAPSHOTS=1.</summary>
    static void Match(string snapshot, string actual)
    {
        if (Environment.GetEnvironmentVariable("PIPELINE_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(snapshot)!);
            File.WriteAllText(snapshot, actual);
        }
        Assert.True(File.Exists(snapshot), $"no snapshot {snapshot}: run with PIPELINE_ACCEPT_SNAPSHOTS=1 to write it, then review it");
        Assert.Equal(File.ReadAllText(snapshot), actual);
    }

    [Fact]
    public void The_report_and_its_figure_numbers_match_the_snapshots_and_survive_an_export()
    {
        using var dir = new TestPaths.TempDir();
        var report = RunReport.Collect(Runs(Path.Combine(dir.Path, "runs")));
        var significance = SignificanceReport.Against(report, "baseline", resamples: 1_000);
        string written = MarkdownReport.Write(report, significance, Path.Combine(dir.Path, "out"), "runs");

        var files = new[] { "report.md" }.Concat(Directory.GetFiles(Path.Combine(dir.Path, "out", "figures"), "*.csv")
            .Select(f => "figures/" + Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
        foreach (string file in files)
            Match(Path.Combine(Snapshots, file.Replace('/', '_')), File.ReadAllText(Path.Combine(dir.Path, "out", file)));
        Assert.Equal(Directory.GetFiles(Snapshots).Select(Path.GetFileName).Order(StringComparer.Ordinal), files.Select(f => f.Replace('/', '_')));

        foreach (string png in Directory.GetFiles(Path.Combine(dir.Path, "out", "figures"), "*.png"))
        {
            var bytes = File.ReadAllBytes(png);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.Equal(720, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4))); // IHDR width
        }

        string summary = Path.Combine(dir.Path, "summary.json");
        RunReport.Export(report, summary);
        var again = RunReport.Collect(summary);
        string rewritten = MarkdownReport.Write(again, SignificanceReport.Against(again, "baseline", resamples: 1_000), Path.Combine(dir.Path, "again"), "runs");
        Assert.Equal(File.ReadAllText(written), File.ReadAllText(rewritten));
    }

    [Fact]
    public void A_grid_over_decades_is_drawn_on_a_log_scale_and_a_grid_of_rates_on_a_linear_one()
    {
        Assert.True(ReportFigures.IsLogarithmic([0.1, 1, 10]));                    // a KL-weight grid
        Assert.True(ReportFigures.IsLogarithmic([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]));
        Assert.False(ReportFigures.IsLogarithmic([0.01, 0.02, 0.05, 0.1, 0.15, 0.2])); // the paper's rate grid: 20×
        Assert.False(ReportFigures.IsLogarithmic([0, 1, 10, 100]));               // zero has no logarithm
        Assert.False(ReportFigures.IsLogarithmic([1]));
    }
}
