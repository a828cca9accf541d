using System.Text.Json.Nodes;
using Pipeline.Models;

namespace Pipeline.Tests.Models;

/// <summary>`pipeline models parity`'s checks: the committed GPT-2 fixture holds, a changed reference is caught.</summary>
public class DecoderParityTests
{
    [Fact]
    public void The_gpt2_fixture_passes_every_check()
    {
        var checks = DecoderParity.Check(TinyGpt2.FixtureDirectory, tolerance: 1e-5);
        Assert.Equal(4, checks.Count); // logits, greedy, and two beam cases
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public void A_reference_that_differs_fails_the_check_and_says_where()
    {
        using var dir = new TestPaths.TempDir();
        foreach (var file in Directory.GetFiles(TinyGpt2.FixtureDirectory)) File.Copy(file, dir.File(Path.GetFileName(file)));
        var reference = JsonNode.Parse(File.ReadAllText(dir.File(DecoderParity.ReferenceFile)))!;
        reference["logits"]![0]![0]![3] = reference["logits"]![0]![0]![3]!.GetValue<double>() + 0.01;
        File.WriteAllText(dir.File(DecoderParity.ReferenceFile), reference.ToJsonString());
        var generation = JsonNode.Parse(File.ReadAllText(dir.File(DecoderParity.GenerationFile)))!;
        generation["cases"]![0]!["expected"]![1]![0] = 7;
        File.WriteAllText(dir.File(DecoderParity.GenerationFile), generation.ToJsonString());

        var checks = DecoderParity.Check(dir.Path, tolerance: 1e-3);
        Assert.False(checks[0].Passed);
        Assert.StartsWith("max |diff| 0.01", checks[0].Detail);
        Assert.False(checks[1].Passed);
        Assert.StartsWith("prompt 1: [", checks[1].Detail);
        Assert.True(checks[2].Passed && checks[3].Passed);
    }
}
