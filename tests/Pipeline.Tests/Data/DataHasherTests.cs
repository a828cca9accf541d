using Pipeline.Data;

namespace Pipeline.Tests.Data;

public class DataHasherTests
{
    [Fact]
    public void The_hash_matches_the_documented_canonical_form()
    {
        // Python: lines = [json.dumps({"labels": [...]}), json.dumps([split, text, pair, label]) ...],
        // separators=(",", ":"), ensure_ascii=False, each + "\n"; sha256 of the UTF-8 bytes.
        string hash = DataHasher.Compute(["neg", "pos"],
            [new("a \"quoted\"\ttab\nline é", null, new ClassTarget(1))],
            [new("b", "pair", new ClassTarget(0))],
            [new("c", null, new ClassTarget(1))]);
        Assert.Equal("7ed7ab146a51c720d6f31b18402d7691b439070ad59b739f6286aff2fcb57825", hash);
    }

    [Fact]
    public void Regression_targets_are_written_round_trip()
    {
        string hash = DataHasher.Compute([], [new("x", "y", new NumberTarget(2.5f))], [new("x2", "y2", new NumberTarget(0.1f))], [new("x3", "y3", new NumberTarget(5f))]);
        Assert.Equal("9cec383b619e2e8a50a965c74501d03e659d222f63f14594031c8029400ca5d4", hash);
    }

    [Fact]
    public void Any_change_of_text_label_split_or_label_names_changes_the_hash()
    {
        Example[] train = [new("a", null, new ClassTarget(0)), new("b", null, new ClassTarget(1))];
        Example[] dev = [new("c", null, new ClassTarget(0))];
        string baseline = DataHasher.Compute(["n", "p"], train, dev, dev);

        Assert.NotEqual(baseline, DataHasher.Compute(["n", "p"], [new("a", null, new ClassTarget(0)), new("b ", null, new ClassTarget(1))], dev, dev));
        Assert.NotEqual(baseline, DataHasher.Compute(["n", "p"], [new("a", null, new ClassTarget(0)), new("b", null, new ClassTarget(0))], dev, dev));
        Assert.NotEqual(baseline, DataHasher.Compute(["n", "p"], [train[0]], [train[1], .. dev], dev));
        Assert.NotEqual(baseline, DataHasher.Compute(["p", "n"], train, dev, dev));
        Assert.Equal(baseline, DataHasher.Compute(["n", "p"], train.ToList(), dev.ToList(), dev.ToList()));
    }
}
