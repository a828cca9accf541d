using System.Text.Json.Nodes;
using Pipeline.Metrics.Nlg;
using Pipeline.Tests.Metrics.Nlg;
using Pipeline.Tests.Runs;

namespace Pipeline.Tests.Cli;

/// <summary><c>pipeline score</c> on e2e-metrics-format files the test writes.</summary>
public class ScoreCommandTests
{
    [Fact]
    public void Score_prints_every_metric_as_an_aligned_table_and_says_why_meteor_is_missing()
    {
        using var dir = new TestPaths.TempDir();
        NlgTestData.WriteFiles(dir.File("hyp.txt"), dir.File("refs.txt"));
        var expected = NlgScorer.Score(NlgTestData.Hypotheses, NlgTestData.References, NlgScorer.Names);

        var (code, output) = PipelineProcess.Run($"score --hyp \"{dir.File("hyp.txt")}\" --refs \"{dir.File("refs.txt")}\"");

        Assert.True(code == 0, output);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal([
            $"bleu     {expected["bleu"]:F4}",
            $"nist     {expected["nist"]:F4}",
            $"rouge-l  {expected["rouge-l"]:F4}",
            $"cider    {expected["cider"]:F4}",
            $"ter      {expected["ter"]:F4}",
            NlgScorer.MeteorUnavailable], lines);
        Assert.Equal("bleu     0.4214", lines[0]);
    }

    [Fact]
    public void Json_prints_an_object_of_the_chosen_metrics_at_full_precision()
    {
        using var dir = new TestPaths.TempDir();
        NlgTestData.WriteFiles(dir.File("hyp.txt"), dir.File("refs.txt"));

        var (code, output) = PipelineProcess.Run($"score --hyp \"{dir.File("hyp.txt")}\" --refs \"{dir.File("refs.txt")}\" --json --metrics bleu,ter");

        Assert.True(code == 0, output);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(["bleu", "ter"], json.Select(p => p.Key));
        Assert.Equal(0.4214083307712978, json["bleu"]!.GetValue<double>(), 1e-12);
        Assert.Equal(72.0 / 118.0, json["ter"]!.GetValue<double>(), 1e-12);
    }

    [Fact]
    public void A_reference_file_without_blank_lines_holds_one_reference_per_hypothesis()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllLines(dir.File("hyp.txt"), ["a cheap pub", "a coffee shop"]);
        File.WriteAllLines(dir.File("refs.txt"), ["a cheap pub", "a coffee shop"]);
        var (code, output) = PipelineProcess.Run($"score --hyp \"{dir.File("hyp.txt")}\" --refs \"{dir.File("refs.txt")}\" --json --metrics ter");
        Assert.True(code == 0, output);
        Assert.Equal(0.0, JsonNode.Parse(output)!["ter"]!.GetValue<double>());
    }

    [Fact]
    public void Bad_input_is_an_error_naming_the_file_and_line()
    {
        using var dir = new TestPaths.TempDir();
        string hyp = dir.File("hyp.txt"), refs = dir.File("refs.txt");
        File.WriteAllLines(hyp, ["one", "two", "three"]);
        File.WriteAllText(refs, "one a\none b\n\ntwo\n");

        var (code, output) = PipelineProcess.Run($"score --hyp \"{hyp}\" --refs \"{refs}\"");
        Assert.NotEqual(0, code);
        Assert.Contains($"error: {hyp} has 3 hypotheses but {refs} has 2 reference blocks", output);

        File.WriteAllLines(hyp, ["one", "", "three"]);
        (code, output) = PipelineProcess.Run($"score --hyp \"{hyp}\" --refs \"{refs}\"");
        Assert.NotEqual(0, code);
        Assert.Contains($"error: {hyp}:2: empty line where a hypothesis is expected", output);

        (code, output) = PipelineProcess.Run($"score --hyp \"{dir.File("missing.txt")}\" --refs \"{refs}\"");
        Assert.NotEqual(0, code);
        Assert.Contains($"error: file '{dir.File("missing.txt")}' does not exist", output);

        (code, output) = PipelineProcess.Run($"score --hyp \"{hyp}\" --refs \"{refs}\" --metrics bleu,rouge");
        Assert.NotEqual(0, code);
        Assert.Contains("error: unknown NLG metric 'rouge'", output);

        File.WriteAllLines(hyp, ["one", "two"]);
        File.WriteAllText(refs, "one\n\n\ntwo\n");
        (code, output) = PipelineProcess.Run($"score --hyp \"{hyp}\" --refs \"{refs}\"");
        Assert.NotEqual(0, code);
        Assert.Contains($"error: {refs}:3: a second blank line in a row", output);
    }
}
