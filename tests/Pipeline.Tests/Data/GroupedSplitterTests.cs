using Pipeline.Data;

namespace Pipeline.Tests.Data;

public class GroupedSplitterTests
{
    static List<GroupedExample> Keys(int n, Func<int, string>? key = null) =>
        Enumerable.Range(0, n).Select(i => new GroupedExample(new Example($"text {i}", null, new ClassTarget(i % 2)), key?.Invoke(i) ?? $"key-{i}")).ToList();

    [Fact]
    public void The_bucket_is_the_first_8_bytes_of_sha256_of_salt_plus_key()
    {
        // Expected values from Python: int.from_bytes(sha256((salt + key).encode()).digest()[:8], "big") / 2**64
        Assert.Equal(0.7789527407691805, GroupedSplitter.Bucket("pipeline", "key-7"), 15);
        Assert.Equal(0.016516776628824375, GroupedSplitter.Bucket("s", ""), 15);
    }

    [Fact]
    public void Splits_are_deterministic_and_keep_the_source_order()
    {
        var split = SplitDefinition.Hashed("key");
        var first = GroupedSplitter.Split(Keys(500), split);
        var second = GroupedSplitter.Split(Keys(500), split);

        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Dev, second.Dev);
        Assert.Equal(first.Test, second.Test);
        var trainIndices = first.Train.Select(e => int.Parse(e.Example.Text[5..])).ToList();
        Assert.Equal(trainIndices.Order(), trainIndices);
        Assert.Equal(500, first.Train.Count + first.Dev.Count + first.Test.Count);
    }

    [Fact]
    public void An_example_keeps_its_split_when_other_examples_come_or_go()
    {
        var split = SplitDefinition.Hashed("key");
        var all = GroupedSplitter.Split(Keys(400), split);
        var half = GroupedSplitter.Split(Keys(400).Where((_, i) => i % 2 == 0), split);
        Assert.Equal(all.Test.Where(e => int.Parse(e.Example.Text[5..]) % 2 == 0), half.Test);
    }

    [Fact]
    public void Examples_sharing_a_group_key_land_in_the_same_split()
    {
        // 3,000 examples in 300 groups of 10.
        var examples = Keys(3000, i => $"group-{i % 300}");
        var (train, dev, test) = GroupedSplitter.Split(examples, SplitDefinition.Hashed("group"));
        var trainGroups = train.Select(e => e.GroupKey).ToHashSet();
        var devGroups = dev.Select(e => e.GroupKey).ToHashSet();
        var testGroups = test.Select(e => e.GroupKey).ToHashSet();

        Assert.Empty(trainGroups.Intersect(devGroups));
        Assert.Empty(trainGroups.Intersect(testGroups));
        Assert.Empty(devGroups.Intersect(testGroups));
        Assert.All(new[] { train, dev, test }, s => Assert.Equal(0, s.Count % 10)); // whole groups only
        Assert.NotEmpty(dev);
        Assert.NotEmpty(test);
    }

    [Theory]
    [InlineData(0.8, 0.1, 0.1)]
    [InlineData(0.6, 0.2, 0.2)]
    [InlineData(0.75, 0.125, 0.125)]
    public void Split_sizes_follow_the_fractions(double trainFraction, double devFraction, double testFraction)
    {
        const int n = 10_000;
        var (train, dev, test) = GroupedSplitter.Split(Keys(n), SplitDefinition.Hashed("key", trainFraction, devFraction, testFraction));
        // A hash behaves like a fair draw: allow 4 binomial standard deviations.
        foreach (var (count, p) in new[] { (train.Count, trainFraction), (dev.Count, devFraction), (test.Count, testFraction) })
        {
            Assert.InRange(count, n * p - 4 * Math.Sqrt(n * p * (1 - p)), n * p + 4 * Math.Sqrt(n * p * (1 - p)));
        }
    }

    [Fact]
    public void Another_salt_is_another_split()
    {
        var a = GroupedSplitter.Split(Keys(1000), SplitDefinition.Hashed("key", salt: "a"));
        var b = GroupedSplitter.Split(Keys(1000), SplitDefinition.Hashed("key", salt: "b"));
        Assert.NotEqual(a.Test, b.Test);
    }

    [Fact]
    public void Fractions_must_sum_to_one()
    {
        var e = Assert.Throws<ArgumentException>(() => SplitDefinition.Hashed("key", 0.8, 0.1, 0.2));
        Assert.Contains("must sum to 1", e.Message);
        Assert.Throws<ArgumentException>(() => SplitDefinition.Hashed("key", 0, 0.5, 0.5));
    }

    [Fact]
    public void Subsampling_is_deterministic_keeps_order_and_is_not_the_first_n()
    {
        // Labels sorted like MR's file: all 0s, then all 1s. A "first N" sample would hold only 0s.
        var examples = Enumerable.Range(0, 1000).Select(i => new GroupedExample(new Example($"t{i}", null, new ClassTarget(i < 500 ? 0 : 1)), $"k{i}")).ToList();
        var sample = GroupedSplitter.Subsample(examples, 100, "pipeline");
        var again = GroupedSplitter.Subsample(examples, 100, "pipeline");

        Assert.Equal(100, sample.Count);
        Assert.Equal(sample, again);
        Assert.InRange(sample.Count(e => e.Target == new ClassTarget(1)), 30, 70);
        var indices = sample.Select(e => int.Parse(e.Text[1..])).ToList();
        Assert.Equal(indices.Order(), indices);
        Assert.Equal(1000, GroupedSplitter.Subsample(examples, null, "pipeline").Count);
    }
}
