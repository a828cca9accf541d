namespace Pipeline.Generators.Tests;

/// <summary>The snapshot helper itself: a changed emitter shows up as a readable unified diff.</summary>
public class SnapshotTests
{
    [Fact]
    public void A_changed_output_fails_with_a_unified_diff_and_leaves_the_received_file()
    {
        if (Environment.GetEnvironmentVariable(Snapshot.AcceptVariable) is "1" or "true") return;
        using var temp = new TestPaths.TempDir();
        File.WriteAllText(temp.File("T.M#X.g.verified.cs"), "line 1\nstatic readonly int[] seeds = new int[] { 1 };\nline 3\n");

        string? failure = Snapshot.Compare(temp.Path, "T.M#X.g.verified.cs", "line 1\nstatic readonly int[] seeds = { 1 };\nline 3\n");

        Assert.NotNull(failure);
        Assert.Contains("PIPELINE_ACCEPT_SNAPSHOTS=1", failure);
        Assert.Contains("--- verified/T.M#X.g.verified.cs", failure);
        Assert.Contains("@@", failure);
        Assert.Contains("-static readonly int[] seeds = new int[] { 1 };", failure);
        Assert.Contains("+static readonly int[] seeds = { 1 };", failure);
        Assert.Contains(" line 1", failure);
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(!ci, File.Exists(temp.File("T.M#X.g.received.cs")));
    }

    [Fact]
    public void A_missing_baseline_fails_and_is_never_written_without_being_asked()
    {
        if (Environment.GetEnvironmentVariable(Snapshot.AcceptVariable) is "1" or "true") return;
        using var temp = new TestPaths.TempDir();
        Assert.Contains("no baseline yet", Snapshot.Compare(temp.Path, "T.M.verified.txt", "text\n"));
        Assert.False(File.Exists(temp.File("T.M.verified.txt")));
    }
}
