using Pipeline.Data.Formats;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// A test corpus of the Pattern library, shipped in Debian's <c>python3-pattern</c>: a CSV of
/// <c>"label","text"</c> with labels +1/−1. Debian keeps old versions in its archive for the life of a release,
/// so the pinned package version (and with it the file hashes) stays fetchable.
/// </summary>
public sealed class PatternCorpus : BuiltInDataset
{
    public const string Package = "python3-pattern";
    public const string PackageVersion = "2.6+git20180818-4";
    const string CorporaFolder = "usr/share/doc/python3-pattern/test/corpora";
    const string PatternLicense = "the corpora's README: \"meant for personal use, they are not part of the module's BSD license\" — fetched, never redistributed";

    /// <summary>What +1 and −1 mean in this corpus.</summary>
    public required string PositiveLabel { get; init; }
    public required string NegativeLabel { get; init; }

    string FileName => Files[0].Path;

    /// <summary>
    /// Pang &amp; Lee's sentence polarity data v1.0 (the MR data set; SST-2 is built from the same reviews), a
    /// balanced 4,000-sentence sample. The file is named "pang&amp;lee2" although the corpora README calls it
    /// item 6, "sentence polarity v1.0"; the counts (2000/2000 sentences of ~20 words) confirm it.
    /// </summary>
    public static PatternCorpus MrPolarity { get; } = new()
    {
        Name = DatasetCatalog.MrPolarityName,
        Description = "movie-review sentence polarity (Pang & Lee v1.0 sample; the SST-2 analogue)",
        Kind = TaskKind.SingleSentence,
        Labels = ["negative", "positive"],
        NegativeLabel = "negative",
        PositiveLabel = "positive",
        Source = $"Debian package {Package} {PackageVersion}, {CorporaFolder}/polarity-en-pang&lee2.csv",
        License = PatternLicense,
        Version = PackageVersion,
        GroupKey = "text",
        ExpectedExamples = 4000,
        Files = [new("polarity-en-pang&lee2.csv", "1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f")],
    };

    /// <summary>
    /// CoNLL-2010 shared task 1 (Wikipedia), hedge/uncertainty detection, a balanced 3,000-sentence sample.
    /// +1 = certain: Pattern's own test reads it as <c>int(certain) &gt; 0</c>. "uncertain" is class 1 because
    /// hedged sentences are what the task detects (its F1 is computed on them).
    /// </summary>
    public static PatternCorpus Conll2010Hedge { get; } = new()
    {
        Name = DatasetCatalog.Conll2010HedgeName,
        Description = "hedge (uncertainty) detection in Wikipedia sentences (CoNLL-2010 task 1 sample)",
        Kind = TaskKind.SingleSentence,
        Labels = ["certain", "uncertain"],
        NegativeLabel = "uncertain",
        PositiveLabel = "certain",
        Source = $"Debian package {Package} {PackageVersion}, {CorporaFolder}/uncertainty-conll2010.csv",
        License = PatternLicense,
        Version = PackageVersion,
        GroupKey = "text",
        ExpectedExamples = 3000,
        Files = [new("uncertainty-conll2010.csv", "f713dc104f0b612a81d334be0aaf2a4744bb040c9802bf37f7b5e999e741455f")],
    };

    public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder)
    {
        context.Apt.Update();
        string deb = context.Apt.Download(Package, PackageVersion, context.Scratch);
        string unpacked = Path.Combine(context.Scratch, "unpacked");
        context.Apt.Extract(deb, unpacked);
        string source = Path.Combine(unpacked, CorporaFolder, FileName);
        if (!File.Exists(source)) throw new InvalidDataException($"{Package} {PackageVersion} has no {CorporaFolder}/{FileName}; the package layout changed");
        File.Copy(source, Path.Combine(folder, FileName));
        return null;
    }

    public override List<RawExample> Read(string folder)
    {
        string file = Path.Combine(folder, FileName);
        var rows = new List<RawExample>();
        foreach (var record in DelimitedText.ReadCsv(file))
        {
            if (record.Fields.Length != 2) throw new InvalidDataException($"{file}:{record.Line}: expected 2 fields (\"label\",\"text\"), found {record.Fields.Length}");
            string label = record.Fields[0] switch
            {
                "1" => PositiveLabel,
                "-1" => NegativeLabel,
                var other => throw new InvalidDataException($"{file}:{record.Line}: expected the label 1 or -1, found '{other}'"),
            };
            // Every MR sentence ends with " \n" inside its quotes: layout, not content.
            string text = record.Fields[1].Trim();
            rows.Add(new RawExample(file, record.Line, text, null, label, text));
        }
        return rows;
    }
}
