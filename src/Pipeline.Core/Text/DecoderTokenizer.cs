using Microsoft.ML.Tokenizers;

namespace Pipeline.Text;

/// <summary>
/// A causal decoder's tokenizer with GPT-2's conventions: byte-level BPE (<see cref="ByteLevelBpe"/>, the same
/// pieces as RoBERTa's <see cref="EncoderTokenizer"/>), and <b>no</b> tokens added around a text — no [CLS] or
/// &lt;s&gt;, the model reads the text's own tokens; <c>&lt;|endoftext|&gt;</c> (config <c>eos_token_id</c>) ends a
/// generated text, and pads batches (GPT-2 has no padding token; padded positions are masked anyway). Written in a
/// text, the end-of-text token is read as that one token, as HF's GPT2Tokenizer does.
/// </summary>
public sealed class DecoderTokenizer
{
    readonly Tokenizer tokenizer;

    DecoderTokenizer(Tokenizer tokenizer, int vocabSize, int eosId, int padId, string eosToken)
    {
        this.tokenizer = tokenizer;
        VocabSize = vocabSize;
        EosId = eosId;
        PadId = padId;
        EosToken = eosToken;
    }

    /// <summary>
    /// GPT-2's tokenizer from a checkpoint's <c>vocab.json</c> and <c>merges.txt</c>. <paramref name="eosId"/> is the
    /// config's <c>eos_token_id</c> and must be an entry of the vocabulary; <paramref name="padId"/> (the config's
    /// padding id, GPT-2: the end-of-text id) fills batches.
    /// </summary>
    public static DecoderTokenizer FromByteLevelBpe(Stream vocabJson, Stream merges, int eosId, int padId)
    {
        var vocabulary = ByteLevelBpe.ReadVocabulary(vocabJson);
        string eosToken = vocabulary.FirstOrDefault(p => p.Value == eosId).Key
            ?? throw new InvalidDataException($"vocab.json has no entry with id {eosId}, the config's eos_token_id (GPT-2's is 50256, <|endoftext|>)");
        var tokenizer = ByteLevelBpe.Create(vocabulary, merges, new Dictionary<string, int> { [eosToken] = eosId }, unknownToken: null);
        return new DecoderTokenizer(tokenizer, vocabulary.Values.Max() + 1, eosId, padId, eosToken);
    }

    /// <summary>The number of entries of the vocabulary (ids are 0..VocabSize−1).</summary>
    public int VocabSize { get; }

    /// <summary>The end-of-text id: generation stops a sequence when it emits it.</summary>
    public int EosId { get; }

    /// <summary>The id that fills batches (masked out of attention).</summary>
    public int PadId { get; }

    /// <summary>The end-of-text token's text (GPT-2: <c>&lt;|endoftext|&gt;</c>).</summary>
    public string EosToken { get; }

    /// <summary>The ids that begin every sequence before its text (LLaMA: its bos token; GPT-2: none).</summary>
    public IReadOnlyList<int> Start { get; init; } = [];

    /// <summary>The ids of <paramref name="text"/>, nothing added.</summary>
    public IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text);

    /// <summary>The text of <paramref name="ids"/>: bytes back to UTF-8, the end-of-text token written as itself.</summary>
    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids) ?? "";
}
