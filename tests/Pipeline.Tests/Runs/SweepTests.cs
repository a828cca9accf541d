using Pipeline.Runs;

namespace Pipeline.Tests.Runs;

public class SweepTests
{
    [Fact]
    public void A_2_variant_by_2_seed_sweep_leaves_4_complete_runs_and_a_second_sweep_does_no_work()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"sweep smoke --device cpu --out {dir.Path}");
        Assert.True(code == 0, output);
        Assert.Contains("4 run(s) trained, 0 already complete", output);

        var stores = from variant in new[] { "rate=0.05", "rate=0.1" }
                     from seed in new[] { 1, 2 }
                     select new RunStore(dir.Path, "smoke", variant, seed);
        var written = stores.ToDictionary(s => s.Directory, s =>
        {
            Assert.True(s.IsComplete, $"{s.Directory} is not complete");
            return File.GetLastWriteTimeUtc(s.MetricsFile);
        });
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(dir.Path, "smoke")).Sum(v => Directory.GetDirectories(v).Length));

        (code, output) = PipelineProcess.Run($"sweep smoke --device cpu --out {dir.Path}");
        Assert.True(code == 0, output);
        Assert.Contains("0 run(s) trained, 4 already complete", output);
        foreach (var (directory, time) in written)
            Assert.Equal(time, File.GetLastWriteTimeUtc(Path.Combine(directory, "metrics.json")));
    }
}
