namespace Pipeline.Data;

/// <summary>
/// How a data set was cut into train/dev/test, recorded with every run so a number can be traced to its data.
/// Method: <see cref="HashBucket"/> (every split carved by hash) or <see cref="Given"/> (the files' own train/dev).
/// GroupKey names what was hashed ("text", "source-package", a column name).
/// </summary>
public sealed record SplitDefinition(string Method, string GroupKey, double Train, double Dev, double Test, string Salt)
{
    /// <summary>bucket = SHA-256(salt + group key) read as a fraction in [0, 1); see <see cref="GroupedSplitter"/>.</summary>
    public const string HashBucket = "sha256-bucket";

    /// <summary>
    /// The user's files say which example is in which split: train file → train, dev file → dev, and the test file
    /// when there is one; without one the dev set doubles as the test set (see <see cref="SplitMaker.Given"/>).
    /// </summary>
    public const string Given = "given";

    public const double DefaultTrain = 0.8, DefaultDev = 0.1, DefaultTest = 0.1;
    public const string DefaultSalt = "pipeline";

    public static SplitDefinition Hashed(string groupKey, double train = DefaultTrain, double dev = DefaultDev, double test = DefaultTest, string salt = DefaultSalt) =>
        new SplitDefinition(HashBucket, groupKey, train, dev, test, salt).Validated();

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless a hash split can be made: each fraction in (0, 1), summing to 1
    /// (an empty split is an error later anyway, so say it here, where the cause is).
    /// Given splits record the files' proportions and are not checked.
    /// </summary>
    public SplitDefinition Validated()
    {
        if (Method == Given) return this;
        if (Method != HashBucket)
        {
            throw new ArgumentException($"unknown split method '{Method}'; expected '{HashBucket}' or '{Given}'");
        }
        foreach (var (name, value) in new[] { ("train", Train), ("dev", Dev), ("test", Test) })
        {
            if (!(value > 0 && value < 1)) throw new ArgumentException($"split fraction {name} = {value} must lie between 0 and 1 (exclusive)");
        }
        // A tolerance, because 0.8 + 0.1 + 0.1 is not exactly 1 in binary floating point.
        if (Math.Abs(Train + Dev + Test - 1) > 1e-9)
        {
            throw new ArgumentException($"split fractions train {Train} + dev {Dev} + test {Test} must sum to 1");
        }
        return this;
    }

    public override string ToString() =>
        Method == Given
            ? $"given splits (group key {GroupKey})"
            : $"{Method}({GroupKey}, salt \"{Salt}\") {Train:0.###}/{Dev:0.###}/{Test:0.###}";
}
