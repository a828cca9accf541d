using System.Diagnostics;
using Pipeline.Runs;

namespace Pipeline.Tests.Runs;

/// <summary>
/// The real command, killed with SIGKILL during epoch 2 and resumed, ends with the same metrics as an
/// uninterrupted run with the same seed (experiments/smoke.yaml: MiniLM, 64 MR examples, 3 epochs, HiddenKey).
/// </summary>
public class KillAndResumeTests
{
    [Fact]
    public void A_run_killed_during_epoch_2_and_resumed_ends_like_an_uninterrupted_run()
    {
        using var dir = new TestPaths.TempDir();
        string full = Path.Combine(dir.Path, "full"), killed = Path.Combine(dir.Path, "killed");

        var (code, output) = PipelineProcess.Run($"run smoke --seed 1 --device cpu --out {full}");
        Assert.True(code == 0, output);

        var store = new RunStore(killed, "smoke", "default", 1);
        string latest = Path.Combine(store.CheckpointDirectory, "latest");
        using (var process = Process.Start(PipelineProcess.StartInfo($"run smoke --seed 1 --device cpu --out {killed}"))!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(latest) && File.ReadAllText(latest).StartsWith("epoch-0001")))
            {
                Assert.False(process.HasExited, "the run ended before its first checkpoint");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "no epoch-1 checkpoint after 3 minutes");
                Thread.Sleep(50);
            }
            Thread.Sleep(1500); // into epoch 2's steps
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup of any kind
            process.WaitForExit();
        }
        Assert.False(store.IsComplete, "the kill came after the run finished: the test proves nothing");

        var (refused, message) = PipelineProcess.Run($"run smoke --seed 1 --device cpu --out {killed}");
        Assert.NotEqual(0, refused);
        Assert.Contains("--resume", message);

        (code, output) = PipelineProcess.Run($"run smoke --seed 1 --device cpu --out {killed} --resume");
        Assert.True(code == 0, output);
        Assert.Contains("resuming at step", output);

        var expected = new RunStore(full, "smoke", "default", 1).ReadMetrics();
        var actual = store.ReadMetrics();
        Assert.Equal(expected.History.Count, actual.History.Count);
        for (int i = 0; i < expected.History.Count; i++)
        {
            Assert.Equal(expected.History[i].TrainLoss, actual.History[i].TrainLoss);
            Assert.Equal(expected.History[i].DevLoss, actual.History[i].DevLoss);
            Assert.Equal(expected.History[i].Metrics, actual.History[i].Metrics);
        }
        Assert.Equal(expected.Test, actual.Test);
        Assert.False(Directory.Exists(store.CheckpointDirectory), "a complete run keeps no checkpoint");
        Assert.Equal(File.ReadAllBytes(new RunStore(full, "smoke", "default", 1).AdapterFile), File.ReadAllBytes(store.AdapterFile));
    }
}
