namespace Pipeline.Data;

/// <summary>
/// Makes train/dev/test from encoded rows, by one of the two rules a <see cref="SplitDefinition"/> records,
/// then applies the quick-run example limits. The single place where splits are made.
/// </summary>
public static class SplitMaker
{
    /// <summary>Every split carved by hash of the group key (<see cref="GroupedSplitter"/>).</summary>
    public static DatasetSplits Hash(string name, LabelEncoder labels, IReadOnlyList<RawExample> rows, string groupKey, DataOptions options)
    {
        var split = SplitDefinition.Hashed(groupKey, options.Train, options.Dev, options.Test, options.Salt);
        var (train, dev, test) = GroupedSplitter.Split(Encode(labels, rows), split);
        return Finish(name, labels, train, dev, test, split, options);
    }

    /// <summary>
    /// The files' own splits. Without a test file the dev set doubles as the test set: GLUE's test labels are
    /// hidden, and the paper reports dev scores, so "test" then means "the dev set, scored at the end". The split
    /// definition says so (<see cref="SplitDefinition.Given"/>, test fraction 0 = no examples of its own), and
    /// carving a test split out of train instead would change the training set the paper's numbers come from.
    /// The recorded fractions are the share of each file's examples in the whole.
    /// </summary>
    public static DatasetSplits Given(string name, LabelEncoder labels, IReadOnlyList<RawExample> train, IReadOnlyList<RawExample> dev,
        IReadOnlyList<RawExample>? test, string groupKey, DataOptions options)
    {
        double total = train.Count + dev.Count + (test?.Count ?? 0);
        var split = new SplitDefinition(SplitDefinition.Given, groupKey, train.Count / total, dev.Count / total, (test?.Count ?? 0) / total, options.Salt);
        var encodedDev = Encode(labels, dev);
        var encodedTest = test is null ? encodedDev : Encode(labels, test);
        return Finish(name, labels, Encode(labels, train), encodedDev, encodedTest, split, options);
    }

    static List<GroupedExample> Encode(LabelEncoder labels, IReadOnlyList<RawExample> rows) =>
        rows.Select(r => new GroupedExample(labels.Encode(r), r.GroupKey)).ToList();

    static DatasetSplits Finish(string name, LabelEncoder labels, List<GroupedExample> train, List<GroupedExample> dev, List<GroupedExample> test,
        SplitDefinition split, DataOptions options) =>
        DatasetSplits.Create(name, labels.Kind, labels.Labels,
            GroupedSplitter.Subsample(train, options.MaxTrainExamples, options.Salt),
            GroupedSplitter.Subsample(dev, options.MaxEvalExamples, options.Salt),
            GroupedSplitter.Subsample(test, options.MaxEvalExamples, options.Salt),
            split);
}
