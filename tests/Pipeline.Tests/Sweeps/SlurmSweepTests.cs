using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Runs;
using Pipeline.Tests.Runs;
using Xunit.Abstractions;

namespace Pipeline.Tests.Sweeps;

/// <summary><c>pipeline sweep --slurm</c> and <c>--status</c> through the real CLI on a real one-node Slurm (<see cref="SlurmCluster"/>).</summary>
public class SlurmSweepTests(SlurmCluster cluster, ITestOutputHelper output) : IClassFixture<SlurmCluster>
{
    static readonly string[] Variants = ["rate=0.05", "rate=0.1"];
    static readonly int[] Seeds = [1, 2, 3];

    [SkippableFact]
    public void A_slurm_array_sweep_trains_the_6_runs_as_a_local_sweep_does_and_a_second_submission_has_nothing_to_submit()
    {
        Skip.If(cluster.SkipReason is not null, cluster.SkipReason);
        output.WriteLine($"apt install of Slurm: {cluster.InstallTime.TotalSeconds:F1} s");
        using var dir = new TestPaths.TempDir();
        string runs = Path.Combine(dir.Path, "slurm runs"); // a space on the way: every path in the script is quoted
        string sweep = $"sweep smoke --seeds 1,2,3 --out \"{runs}\"";
        var clock = Stopwatch.StartNew();

        var (code, text) = Pipeline($"{sweep} --slurm --device cpu --max-parallel 2 --sbatch-arg=--cpus-per-task=1");
        Assert.True(code == 0, text);
        Assert.Contains("6 run(s) to submit, 0 complete, 0 waiting or running in Slurm", text);
        Assert.Matches(@"submitted job \d+: 6 array task\(s\), at most 2 at once", text);

        // Queued runs are neither shown as failed nor submitted twice.
        (code, text) = Pipeline($"{sweep} --status");
        Assert.True(code == 0, text);
        var counts = Regex.Match(text, @"smoke: 6 run\(s\): 0 complete, (\d) running, (\d) pending, 0 failed, 0 not submitted");
        Assert.True(counts.Success && int.Parse(counts.Groups[1].Value) + int.Parse(counts.Groups[2].Value) == 6, text);
        (code, text) = Pipeline($"{sweep} --slurm --device cpu");
        Assert.True(code == 0, text);
        Assert.Contains("smoke: nothing to submit", text);

        var stores = (from v in Variants from s in Seeds select new RunStore(runs, "smoke", v, s)).ToList();
        while (!stores.All(s => s.IsComplete))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
                Assert.Fail($"the Slurm sweep did not finish in 5 minutes:\n{Pipeline($"{sweep} --status").Output}");
            Thread.Sleep(1000);
        }
        output.WriteLine($"submitted and trained 6 runs on Slurm: {clock.Elapsed.TotalSeconds:F1} s");

        (code, text) = Pipeline($"{sweep} --status");
        Assert.True(code == 0, text);
        Assert.Contains("smoke: 6 run(s): 6 complete, 0 running, 0 pending, 0 failed, 0 not submitted", text);
        foreach (var v in Variants)
            foreach (var s in Seeds)
                Assert.Matches($@"{Regex.Escape(v)}\s+{s} complete", text);
        (code, text) = Pipeline($"{sweep} --slurm --device cpu");
        Assert.True(code == 0, text);
        Assert.Contains("0 run(s) to submit, 6 complete, 0 waiting or running in Slurm", text);
        Assert.Contains("smoke: nothing to submit", text);

        // The same runs trained here, one after another with every core, give the same numbers.
        clock.Restart();
        using var local = new TestPaths.TempDir();
        // Six trainings in one process: minutes on a quiet 2-core machine, more beside other work.
        (code, text) = PipelineProcess.Run($"sweep smoke --seeds 1,2,3 --device cpu --out {local.Path}", minutes: 15);
        Assert.True(code == 0, text);
        output.WriteLine($"the same 6 runs in a local sweep: {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var store in stores)
        {
            var slurm = store.ReadMetrics();
            var here = new RunStore(local.Path, "smoke", slurm.Variant, slurm.Seed).ReadMetrics();
            Assert.Equal(here.Best.Score, slurm.Best.Score);
            Assert.Equal(here.History.Select(h => (h.TrainLoss, h.TaskLoss, h.ConsistencyLoss, h.DevLoss)), slurm.History.Select(h => (h.TrainLoss, h.TaskLoss, h.ConsistencyLoss, h.DevLoss)));
            Assert.Equal(here.Test, slurm.Test);
        }

        // A run that is not complete and no longer queued has failed: its log's end is shown, and it is submitted again.
        var lost = stores[4];
        File.Delete(lost.MetricsFile);
        (code, text) = Pipeline($"{sweep} --status");
        Assert.True(code == 0, text);
        Assert.Contains("smoke: 6 run(s): 5 complete, 0 running, 0 pending, 1 failed, 0 not submitted", text);
        Assert.Matches(@"rate=0\.1\s+2 failed", text);
        Assert.Contains($"    | {File.ReadLines(lost.Directory + ".log").Last()}", text);
        (code, text) = Pipeline($"{sweep} --slurm --device cpu --dry-run");
        Assert.True(code == 0, text);
        Assert.Contains("1 run(s) to submit, 5 complete, 0 waiting or running in Slurm", text);
        Assert.Equal(["smoke\trate=0.1\t2"], File.ReadLines(Path.Combine(runs, "smoke", "slurm", "array-2.tsv")).Select(l => string.Join('\t', l.Split('\t')[..3])));
    }

    (int Code, string Output) Pipeline(string arguments)
    {
        var result = PipelineProcess.Run(arguments, cluster.Environment);
        output.WriteLine($"$ pipeline {arguments}\n{result.Output}");
        return result;
    }
}
