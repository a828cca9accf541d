using System.Text.Json.Serialization;
using Microsoft.ML.Tokenizers;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Text;

/// <summary>
/// One tokenized example: BERT's <c>[CLS] a [SEP] (b [SEP])</c> with token types 0 for a and 1 for b, or
/// RoBERTa's <c>&lt;s&gt; a &lt;/s&gt; (&lt;/s&gt; b &lt;/s&gt;)</c> with every token type 0.
/// </summary>
public sealed record TokenizedText(int[] InputIds, int[] TokenTypeIds)
{
    public int Length => InputIds.Length;
}

/// <summary>
/// An encoder's tokenizer with its input conventions, for the two families Pipeline loads:
/// <list type="bullet">
/// <item>BERT WordPiece (<see cref="FromVocab"/>: Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>: basic
/// tokenization, lower-casing and accent stripping for uncased vocabularies, greedy longest-match word pieces),
/// <c>[CLS] a [SEP]</c> and <c>[CLS] a [SEP] b [SEP]</c> with token types 0/1;</item>
/// <item>RoBERTa byte-level BPE (<see cref="FromByteLevelBpe"/>: GPT-2's pre-tokenization regex and merges over
/// UTF-8 bytes, Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>), <c>&lt;s&gt; a &lt;/s&gt;</c> and
/// <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c>, one token type.</item>
/// </list>
/// On top: truncation to a maximum length (pairs longest-first, as HF's default), padding to the longest example
/// of a batch and an attention mask. Batches come back as <see cref="EncoderBatch"/> int64 tensors.
/// </summary>
public sealed class EncoderTokenizer
{
    readonly Tokenizer tokenizer;
    readonly bool stripAccents;

    EncoderTokenizer(Tokenizer tokenizer, int maxLength, int vocabSize, bool stripAccents,
        (int Cls, int Sep, int Pad, int Unknown) ids)
    {
        this.tokenizer = tokenizer;
        this.stripAccents = stripAccents;
        MaxLength = maxLength;
        VocabSize = vocabSize;
        (ClsId, SepId, PadId, UnknownId) = ids;
    }

    /// <param name="vocab">A WordPiece vocab.txt: one token a line, the line number is the id.</param>
    /// <param name="lowerCase">True for uncased models: lower-case and strip accents before splitting into pieces.</param>
    /// <param name="maxLength">The default and largest length of an encoded example (the model's position count).</param>
    public static EncoderTokenizer FromVocab(Stream vocab, bool lowerCase, int maxLength)
    {
        CheckMaxLength(maxLength);
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = lowerCase,   // HF: strip_accents follows do_lower_case unless set
            IndividuallyTokenizeCjk = true,
            ApplyBasicTokenization = true,
        };
        // Read once to count the entries (the tokenizer does not expose its vocabulary): a model must have
        // an embedding row for every id the tokenizer can emit.
        using var buffer = new MemoryStream();
        vocab.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        int entries = bytes.Count((byte)'\n') + (bytes.Length > 0 && bytes[^1] != (byte)'\n' ? 1 : 0);
        buffer.Position = 0;
        BertTokenizer tokenizer;
        try
        {
            tokenizer = BertTokenizer.Create(buffer, options);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"vocab.txt: not a usable WordPiece vocabulary ({e.Message})", e);
        }
        return new EncoderTokenizer(tokenizer, maxLength, entries, stripAccents: lowerCase,
            (tokenizer.ClassificationTokenId, tokenizer.SeparatorTokenId, tokenizer.PaddingTokenId, tokenizer.UnknownTokenId));
    }

    /// <summary>
    /// RoBERTa's tokenizer from a checkpoint's <c>vocab.json</c> (token → id, tokens in GPT-2's byte-to-character
    /// alphabet) and <c>merges.txt</c> (one merge a line, in priority order; a <c>#version</c> line is skipped).
    /// The vocabulary must hold <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c> and <c>&lt;unk&gt;</c>; written in
    /// a text, these (and <c>&lt;mask&gt;</c>) are read as the special tokens, as HF does. No prefix space is added
    /// (HF's <c>add_prefix_space=False</c>).
    /// </summary>
    public static EncoderTokenizer FromByteLevelBpe(Stream vocabJson, Stream merges, int maxLength)
    {
        CheckMaxLength(maxLength);
        var vocabulary = ByteLevelBpe.ReadVocabulary(vocabJson);
        int Special(string token) => vocabulary.TryGetValue(token, out int id) ? id
            : throw new InvalidDataException($"vocab.json has no '{token}' entry: not a RoBERTa vocabulary (GPT-2's has no encoder special tokens)");
        var ids = (Cls: Special("<s>"), Sep: Special("</s>"), Pad: Special("<pad>"), Unknown: Special("<unk>"));
        var specials = new[] { "<s>", "</s>", "<pad>", "<unk>", "<mask>" }
            .Where(vocabulary.ContainsKey).ToDictionary(t => t, t => vocabulary[t]);
        var tokenizer = ByteLevelBpe.Create(vocabulary, merges, specials, unknownToken: "<unk>");
        return new EncoderTokenizer(tokenizer, maxLength, vocabulary.Values.Max() + 1, stripAccents: false, ids);
    }

    static void CheckMaxLength(int maxLength)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength), "an example needs room for [CLS] x [SEP] at least");
    }

    public int MaxLength { get; }

    /// <summary>The id that opens an example: [CLS], or RoBERTa's &lt;s&gt;.</summary>
    public int ClsId { get; }

    /// <summary>The id that closes a segment: [SEP], or RoBERTa's &lt;/s&gt;.</summary>
    public int SepId { get; }

    public int PadId { get; }
    public int UnknownId { get; }

    /// <summary>The number of entries of the vocabulary (ids are 0..VocabSize−1).</summary>
    public int VocabSize { get; }

    /// <summary>Token ids of <paramref name="text"/> (word pieces or BPE tokens), without special tokens.</summary>
    public IReadOnlyList<int> Tokenize(string text) => tokenizer is BertTokenizer bert
        ? bert.EncodeToIds(stripAccents ? AccentStripping.Strip(text) : text, addSpecialTokens: false)
        : tokenizer.EncodeToIds(text);

    /// <summary>The ids as text, special tokens included ("[CLS] hello world [SEP]").</summary>
    public string Decode(IEnumerable<int> ids) =>
        (tokenizer is BertTokenizer bert ? bert.Decode(ids, skipSpecialTokens: false) : tokenizer.Decode(ids)) ?? "";

    /// <summary>One example, truncated to <paramref name="maxLength"/> (default <see cref="MaxLength"/>).</summary>
    public TokenizedText Encode(string text, string? pair = null, int? maxLength = null)
    {
        bool roberta = tokenizer is not BertTokenizer; // the two families: WordPiece (BERT) or byte-level BPE (RoBERTa)
        int specials = pair is null ? 2 : roberta ? 4 : 3;
        int limit = Limit(maxLength, specials);
        var first = Tokenize(text).ToList();
        if (pair is null)
        {
            if (first.Count > limit - 2) first.RemoveRange(limit - 2, first.Count - (limit - 2));
            return new TokenizedText([ClsId, .. first, SepId], new int[first.Count + 2]);
        }
        var second = Tokenize(pair).ToList();
        // Longest-first: drop the last token of whichever side is longer (the second on ties), as HF does.
        while (first.Count + second.Count > limit - specials)
        {
            var longer = first.Count > second.Count ? first : second;
            longer.RemoveAt(longer.Count - 1);
        }
        if (roberta)
            return new TokenizedText([ClsId, .. first, SepId, SepId, .. second, SepId], new int[first.Count + second.Count + 4]);
        int[] ids = [ClsId, .. first, SepId, .. second, SepId];
        var types = new int[ids.Length];
        Array.Fill(types, 1, first.Count + 2, second.Count + 1);
        return new TokenizedText(ids, types);
    }

    /// <summary>Single sentences, padded to the longest.</summary>
    public EncoderBatch Batch(IReadOnlyList<string> texts, int? maxLength = null) =>
        Pad([.. texts.Select(t => Encode(t, null, maxLength))]);

    /// <summary>Sentence pairs (<paramref name="first"/>[i], <paramref name="second"/>[i]), padded to the longest.</summary>
    public EncoderBatch Batch(IReadOnlyList<string> first, IReadOnlyList<string> second, int? maxLength = null)
    {
        if (first.Count != second.Count)
            throw new ArgumentException($"{first.Count} first sentences but {second.Count} second sentences");
        return Pad([.. first.Select((a, i) => Encode(a, second[i], maxLength))]);
    }

    /// <summary>Pads with [PAD] / &lt;pad&gt; (token type 0, mask 0) to the longest example; int64 tensors [B, L] on the CPU.</summary>
    public EncoderBatch Pad(IReadOnlyList<TokenizedText> examples) => Pad(examples, PadId);

    /// <summary>Right-pads with <paramref name="padId"/> to the longest example; int64 tensors [B, L] on <paramref name="device"/>.</summary>
    public static EncoderBatch Pad(IReadOnlyList<TokenizedText> examples, int padId, Device? device = null)
    {
        if (examples.Count == 0) throw new ArgumentException("a batch needs at least one example");
        int length = examples.Max(e => e.Length);
        var ids = new long[examples.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, padId);
        for (int b = 0; b < examples.Count; b++)
        {
            var e = examples[b];
            for (int i = 0; i < e.Length; i++)
            {
                ids[b * length + i] = e.InputIds[i];
                types[b * length + i] = e.TokenTypeIds[i];
                mask[b * length + i] = 1;
            }
        }
        long[] shape = [examples.Count, length];
        return new EncoderBatch(tensor(ids, shape, device: device), tensor(mask, shape, device: device), tensor(types, shape, device: device))
        {
            HasPadding = examples.Any(e => e.Length < length),
        };
    }

    int Limit(int? maxLength, int specials)
    {
        int limit = maxLength ?? MaxLength;
        if (limit < specials || limit > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxLength), $"max length {limit} must be in [{specials}, {MaxLength}] " +
                $"({specials} special tokens; the model has {MaxLength} positions)");
        return limit;
    }
}

/// <summary>vocab.json's shape, for System.Text.Json without reflection.</summary>
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSourceGenerationOptions(AllowDuplicateProperties = false)]   // a token listed twice is a damaged file, not "the last wins"
sealed partial class VocabularyJson : JsonSerializerContext;
