using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Pipeline.Text;

/// <summary>
/// GPT-2's byte-level BPE as Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> builds it from a checkpoint's
/// <c>vocab.json</c> (token → id, tokens in GPT-2's byte-to-character alphabet) and <c>merges.txt</c> (one merge a
/// line, in priority order; a <c>#version</c> first line is skipped): GPT-2's pre-tokenization regex, merges over
/// UTF-8 bytes, no prefix space. One home for the files' reading and checks; the conventions on top (RoBERTa's
/// &lt;s&gt; … &lt;/s&gt;, or GPT-2's none) belong to <see cref="EncoderTokenizer"/> and <see cref="DecoderTokenizer"/>.
/// </summary>
static class ByteLevelBpe
{
    /// <summary>GPT-2's pre-tokenizer: contractions, letter runs, digit runs, other symbols, whitespace (RoBERTa uses it unchanged).</summary>
    const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>vocab.json as token → id; an unreadable file is an <see cref="InvalidDataException"/>.</summary>
    public static Dictionary<string, int> ReadVocabulary(Stream vocabJson)
    {
        Dictionary<string, int> vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize(vocabJson, VocabularyJson.Default.DictionaryStringInt32)
                ?? throw new InvalidDataException("vocab.json is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"vocab.json is not a JSON object of token → id ({e.Message})", e);
        }
        if (vocabulary.Count == 0) throw new InvalidDataException("vocab.json has no entries");
        // Ids index the model's embedding rows: the tokenizer's size is the largest + 1, so it must not overflow.
        if (vocabulary.FirstOrDefault(p => p.Value is < 0 or int.MaxValue) is { Key: { } token, Value: var id })
            throw new InvalidDataException($"vocab.json: token '{token}' has id {id}, not a usable embedding row");
        return vocabulary;
    }

    /// <summary>
    /// The tokenizer over <paramref name="vocabulary"/> and <paramref name="merges"/>. <paramref name="specials"/> are
    /// read as single tokens where a text writes them (as HF does); <paramref name="unknownToken"/> may be null
    /// (byte-level BPE can spell every byte, so GPT-2 has none).
    /// </summary>
    public static Tokenizer Create(Dictionary<string, int> vocabulary, Stream merges, IReadOnlyDictionary<string, int> specials, string? unknownToken)
    {
        using var reader = new StreamReader(merges);
        var mergeLines = new List<string>();
        int number = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Length == 0 || (number == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            if (line.Split(' ').Length != 2)
                throw new InvalidDataException($"merges.txt line {number}: '{line}' is not two tokens separated by one space");
            mergeLines.Add(line);
        }
        var special = specials.ToDictionary(p => p.Key, p => p.Value);
        try
        {
            return BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = mergeLines,
                ByteLevel = true,
                SpecialTokens = special,
                PreTokenizer = new RegexPreTokenizer(new Regex(Gpt2Pattern, RegexOptions.Compiled), special),
                UnknownToken = unknownToken,
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException($"vocab.json + merges.txt do not make a byte-level BPE tokenizer ({e.Message})", e);
        }
    }
}
