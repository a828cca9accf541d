using Microsoft.ML.Tokenizers;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Text;

/// <summary>One tokenized example: [CLS] a [SEP] (b [SEP]) ids and their token types (0 for a, 1 for b).</summary>
public sealed record TokenizedText(int[] InputIds, int[] TokenTypeIds)
{
    public int Length => InputIds.Length;
}

/// <summary>
/// BERT WordPiece tokenization (Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>: basic tokenization,
/// lower-casing and accent stripping for uncased vocabularies, greedy longest-match word pieces) with BERT's
/// input conventions on top: <c>[CLS] a [SEP]</c> and <c>[CLS] a [SEP] b [SEP]</c> with token types 0/1,
/// truncation to a maximum length (pairs longest-first, as HF's default), padding to the longest example
/// of a batch and an attention mask. Batches come back as <see cref="EncoderBatch"/> int64 tensors.
/// </summary>
public sealed class EncoderTokenizer
{
    readonly BertTokenizer tokenizer;

    readonly bool stripAccents;

    EncoderTokenizer(BertTokenizer tokenizer, int maxLength, int vocabSize, bool stripAccents)
    {
        this.tokenizer = tokenizer;
        this.stripAccents = stripAccents;
        MaxLength = maxLength;
        VocabSize = vocabSize;
    }

    /// <param name="vocab">A WordPiece vocab.txt: one token a line, the line number is the id.</param>
    /// <param name="lowerCase">True for uncased models: lower-case and strip accents before splitting into pieces.</param>
    /// <param name="maxLength">The default and largest length of an encoded example (the model's position count).</param>
    public static EncoderTokenizer FromVocab(Stream vocab, bool lowerCase, int maxLength)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength), "an example needs room for [CLS] x [SEP] at least");
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
            throw new InvalidDataException($"not a usable WordPiece vocabulary ({e.Message})", e);
        }
        return new EncoderTokenizer(tokenizer, maxLength, entries, stripAccents: lowerCase);
    }

    public int MaxLength { get; }
    public int ClsId => tokenizer.ClassificationTokenId;
    public int SepId => tokenizer.SeparatorTokenId;
    public int PadId => tokenizer.PaddingTokenId;
    public int UnknownId => tokenizer.UnknownTokenId;

    /// <summary>The number of entries of the vocabulary (ids are 0..VocabSize−1).</summary>
    public int VocabSize { get; }

    /// <summary>Word-piece ids of <paramref name="text"/>, without special tokens.</summary>
    public IReadOnlyList<int> Tokenize(string text) =>
        tokenizer.EncodeToIds(stripAccents ? AccentStripping.Strip(text) : text, addSpecialTokens: false);

    /// <summary>The ids as text, special tokens included ("[CLS] hello world [SEP]").</summary>
    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids, skipSpecialTokens: false) ?? "";

    /// <summary>One example, truncated to <paramref name="maxLength"/> (default <see cref="MaxLength"/>).</summary>
    public TokenizedText Encode(string text, string? pair = null, int? maxLength = null)
    {
        int limit = Limit(maxLength, pair is null ? 2 : 3);
        var first = Tokenize(text).ToList();
        if (pair is null)
        {
            if (first.Count > limit - 2) first.RemoveRange(limit - 2, first.Count - (limit - 2));
            return new TokenizedText([ClsId, .. first, SepId], new int[first.Count + 2]);
        }
        var second = Tokenize(pair).ToList();
        // Longest-first: drop the last token of whichever side is longer (the second on ties), as HF does.
        while (first.Count + second.Count > limit - 3)
        {
            var longer = first.Count > second.Count ? first : second;
            longer.RemoveAt(longer.Count - 1);
        }
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

    /// <summary>Pads with [PAD] (token type 0, mask 0) to the longest example; int64 tensors [B, L] on the CPU.</summary>
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
