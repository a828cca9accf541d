using Pipeline.Tests.Runs;

namespace Pipeline.Tests.Cli;

/// <summary>The real <c>pipeline</c> command's listings and its answers to bad input (exit code and message).</summary>
public class CliTests
{
    [Fact]
    public void List_shows_the_quickstart_and_every_table_1_experiment()
    {
        var (code, output) = PipelineProcess.Run("list");
        Assert.True(code == 0, output);
        Assert.Contains("quickstart", output);
        var table1 = output.Split('\n').Where(line => line.StartsWith("table1-")).ToList();
        Assert.True(table1.Count >= 15, $"{table1.Count} Table 1 experiments listed:\n{output}");
        Assert.Contains(table1, line => line.StartsWith("table1-hiddenkey ") && line.Contains("bidirectional_kl"));
    }

    [Fact]
    public void Models_list_shows_both_embedded_encoders_with_their_parameter_counts()
    {
        var (code, output) = PipelineProcess.Run("models list");
        Assert.True(code == 0, output);
        Assert.Matches(@"all-minilm-l6-v2\s+embedded\s+22,713,216", output);
        Assert.Matches(@"arctic-embed-xs\s+embedded\s+22,565,376", output);
    }

    [Fact]
    public void Data_list_names_each_built_in_data_set_and_where_it_comes_from()
    {
        var (code, output) = PipelineProcess.Run("data list");
        Assert.True(code == 0, output);
        foreach (var name in new[] { "mr-polarity", "conll2010-hedge", "debian-sections", "spam-assassin" })
            Assert.Contains(name, output);
        Assert.Contains("Debian package python3-pattern", output);
    }

    [Theory]
    [InlineData("run no-such-experiment", "no experiment named 'no-such-experiment' ('pipeline list' shows them all)")]
    [InlineData("run quickstart --variant rate=7", "has no variant 'rate=7'")]
    [InlineData("data fetch no-such-data", "unknown data set 'no-such-data'; built-in data sets: mr-polarity")]
    [InlineData("models verify no-such-model", "verify takes an embedded model: all-minilm-l6-v2, arctic-embed-xs")]
    [InlineData("bench --length 1000 --device cpu", "length 1000: minilm takes 1 to 512 tokens per example")]
    [InlineData("report --out /nonexistent/runs", "no runs folder '/nonexistent/runs'")]
    public void Bad_input_exits_non_zero_with_a_message_that_says_what_to_do(string arguments, string message)
    {
        var (code, output) = PipelineProcess.Run(arguments);
        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output); // a message, not a stack trace
    }
}
