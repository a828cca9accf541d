namespace Pipeline.Data.Formats;

/// <summary>
/// Loads the user's own csv/jsonl/xml data: a single file is cut into train/dev/test by hash; a folder holds
/// <c>train.EXT</c> and <c>dev.EXT</c> (and optionally <c>test.EXT</c>), used as given.
/// </summary>
public static class UserFiles
{
    public static DatasetSplits Load(DataOptions options)
    {
        string path = Path.GetFullPath(options.Path!);
        string extension = DataFormats.Extension(options.Format!); // csv, jsonl or xml: also the file extension in a split folder
        string name = options.Name ?? Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(path));
        var kind = DataFormats.IsGeneration(options.Format!) ? TaskKind.Generation
            : options.Regression ? TaskKind.Regression : options.PairColumn is null ? TaskKind.SingleSentence : TaskKind.SentencePair;
        // Generation groups by prompt: the references of one input never straddle train and test.
        string groupKey = kind == TaskKind.Generation ? "prompt" : options.GroupColumn ?? (options.PairColumn is null ? "text" : "text+pair");
        Func<string, List<RawExample>> read = options.Format switch
        {
            DataFormats.Csv => file => CsvLoader.Read(file, options),
            DataFormats.PromptTarget => JsonlLoader.ReadPromptTarget,
            DataFormats.E2eCsv => E2eCsvLoader.Read,
            DataFormats.WebNlgXml => WebNlgLoader.Read,
            _ => file => JsonlLoader.Read(file, options),
        };

        if (File.Exists(path))
        {
            var rows = read(path);
            return SplitMaker.Hash(name, Encoder(kind, options, rows), rows, groupKey, options);
        }
        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or folder; for format '{extension}' give one .{extension} file or a folder with train.{extension} and dev.{extension}", path);
        }

        string SplitFile(string split) => Path.Combine(path, $"{split}.{extension}");
        foreach (var required in new[] { "train", "dev" })
        {
            if (!File.Exists(SplitFile(required)))
            {
                throw new FileNotFoundException($"{SplitFile(required)}: file not found; a split folder needs train.{extension} and dev.{extension} (test.{extension} is optional)", SplitFile(required));
            }
        }
        string? testFile = File.Exists(SplitFile("test")) ? SplitFile("test") : null;
        // WebNLG's dev and test entries are seen or unseen relative to the training file's categories.
        var (train, dev, test) = options.Format == DataFormats.WebNlgXml
            ? WebNlgLoader.ReadSplits(SplitFile("train"), SplitFile("dev"), testFile)
            : (read(SplitFile("train")), read(SplitFile("dev")), testFile is null ? null : read(testFile));
        var encoder = Encoder(kind, options, [.. train, .. dev, .. test ?? []]);
        return SplitMaker.Given(name, encoder, train, dev, test, groupKey, options);
    }

    static LabelEncoder Encoder(TaskKind kind, DataOptions options, IEnumerable<RawExample> rows) => kind switch
    {
        TaskKind.Regression => LabelEncoder.ForRegression(),
        TaskKind.Generation => LabelEncoder.ForGeneration(),
        _ => LabelEncoder.ForClassification(kind, options.Labels, options.LabelMap, rows),
    };
}
