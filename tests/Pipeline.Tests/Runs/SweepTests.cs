using System.Diagnostics;
using Pipeline.Runs;

namespace Pipeline.Tests.Runs;

/// <summary>The smoke experiment's 2 × 2 sweep (rate 0.05 / 0.1 × seeds 1, 2), run one after another in one process.</summary>
public sealed class SequentialSmokeSweep : IDisposable
{
    readonly TestPaths.TempDir dir = new();

    public static readonly string[] Variants = ["rate=0.05", "rate=0.1"];
    public static readonly int[] Seeds = [1, 2];

    public SequentialSmokeSweep()
    {
        (Code, Output) = PipelineProcess.Run($"sweep smoke --device cpu --out {Root}", minutes: 15); // four trainings
    }

    public string Root => dir.Path;
    public int Code { get; }
    public string Output { get; }

    public static IEnumerable<RunStore> Stores(string root) =>
        from variant in Variants from seed in Seeds select new RunStore(root, "smoke", variant, seed);

    public void Dispose() => dir.Dispose();
}

public class SweepTests(SequentialSmokeSweep sequential) : IClassFixture<SequentialSmokeSweep>
{
    [Fact]
    public void A_2_variant_by_2_seed_sweep_leaves_4_complete_runs_and_a_second_sweep_does_no_work()
    {
        Assert.True(sequential.Code == 0, sequential.Output);
        Assert.Contains("4 run(s) trained, 0 already complete", sequential.Output);
        var written = SequentialSmokeSweep.Stores(sequential.Root).ToDictionary(s => s.Directory, s =>
        {
            Assert.True(s.IsComplete, $"{s.Directory} is not complete");
            return File.GetLastWriteTimeUtc(s.MetricsFile);
        });
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(sequential.Root, "smoke")).Sum(v => Directory.GetDirectories(v).Length));

        var (code, output) = PipelineProcess.Run($"sweep smoke --device cpu --out {sequential.Root}");
        Assert.True(code == 0, output);
        Assert.Contains("0 run(s) trained, 4 already complete", output);
        foreach (var (directory, time) in written)
            Assert.Equal(time, File.GetLastWriteTimeUtc(Path.Combine(directory, "metrics.json")));
    }

    [Fact]
    public async Task Jobs_2_interrupted_by_SIGTERM_leaves_every_run_complete_or_resumable_and_the_next_sweep_ends_like_the_sequential_one()
    {
        using var dir = new TestPaths.TempDir();
        var stores = SequentialSmokeSweep.Stores(dir.Path).ToList();
        using (var sweep = Process.Start(PipelineProcess.StartInfo($"sweep smoke --jobs 2 --device cpu --out {dir.Path}"))!)
        {
            var stdout = sweep.StandardOutput.ReadToEndAsync();
            _ = sweep.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!stores.Any(s => s.HasCheckpoint))
            {
                Assert.False(sweep.HasExited, "the sweep ended before any run wrote a checkpoint");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no checkpoint after 3 minutes");
                await Task.Delay(50);
            }
            // SIGTERM, not SIGINT: a shell without job control starts background commands with SIGINT ignored, and the
            // sweep handles both alike.
            Process.Start("kill", $"-TERM {sweep.Id}")!.WaitForExit();
            Assert.True(sweep.WaitForExit(TimeSpan.FromSeconds(30)), "the sweep did not stop within 30 s of SIGTERM");
            string printed = await stdout;
            Assert.True(sweep.ExitCode == 130, printed);
            Assert.Contains("interrupted (resumes from its last epoch)", printed);
        }

        // The children are gone (no process holds a run's lock) and no run is left half-done.
        foreach (var store in stores)
            store.Lock().Dispose();
        Assert.Contains(stores, s => !s.IsComplete); // else the interruption proved nothing

        var (code, output) = PipelineProcess.Run($"sweep smoke --jobs 2 --device cpu --out {dir.Path}", minutes: 15);
        Assert.True(code == 0, output);
        Assert.Contains("0 failed, 0 interrupted", output);
        foreach (var (store, expected) in stores.Zip(SequentialSmokeSweep.Stores(sequential.Root)))
            AssertSameRun(expected.ReadMetrics(), store.ReadMetrics());
    }

    [Fact]
    public void A_run_held_by_another_process_fails_alone_and_the_sweep_says_so()
    {
        using var dir = new TestPaths.TempDir();
        var held = new RunStore(dir.Path, "smoke", "rate=0.05", 1);
        (int code, string output) result;
        using (held.Lock())
            result = PipelineProcess.Run($"sweep smoke --jobs 2 --seeds 1 --device cpu --out {dir.Path}");

        Assert.True(result.code == 1, result.output);
        Assert.Contains("FAILED smoke [rate=0.05] seed 1", result.output);
        Assert.Contains("is being trained by another process", result.output);
        Assert.Contains("1 run(s) trained, 0 already complete, 1 failed", result.output);
        Assert.False(held.IsComplete);
        var other = new RunStore(dir.Path, "smoke", "rate=0.1", 1);
        AssertSameRun(new RunStore(sequential.Root, "smoke", "rate=0.1", 1).ReadMetrics(), other.ReadMetrics());
    }

    [Fact]
    public void A_second_lock_on_a_run_is_refused_until_the_first_is_released()
    {
        using var dir = new TestPaths.TempDir();
        var store = new RunStore(dir.Path, "smoke", "default", 1);
        using (store.Lock())
        {
            var e = Assert.Throws<RunBusyException>(() => store.Lock());
            Assert.Contains(store.LockFile, e.Message);
        }
        store.Lock().Dispose();
    }

    /// <summary>The same training: every evaluation's losses and metrics, the best epoch and the test metrics.</summary>
    static void AssertSameRun(RunMetrics expected, RunMetrics actual)
    {
        Assert.Equal(expected.History.Count, actual.History.Count);
        for (int i = 0; i < expected.History.Count; i++)
        {
            Assert.Equal(expected.History[i].TrainLoss, actual.History[i].TrainLoss);
            Assert.Equal(expected.History[i].DevLoss, actual.History[i].DevLoss);
            Assert.Equal(expected.History[i].Metrics, actual.History[i].Metrics);
        }
        Assert.Equal(expected.Best.Epoch, actual.Best.Epoch);
        Assert.Equal(expected.Test, actual.Test);
    }
}
