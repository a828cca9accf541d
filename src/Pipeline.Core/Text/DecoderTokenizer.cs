using Microsoft.ML.Tokenizers;

namespace Pipeline.Text;

/// <summary>
/// A causal decoder's tokenizer: text → ids and back, the ids every sequence starts with (<see cref="Start"/>), the
/// end-of-text id that ends a generated text, and the id that pads batches (padded positions are masked anyway).
/// <see cref="Encode"/> gives a text's own ids only, so a sequence is written <c>Start + Encode(prompt) + …</c>; the
/// families differ in pieces and in what starts a sequence:
/// <list type="bullet">
/// <item>GPT-2 (<see cref="FromByteLevelBpe"/>): byte-level BPE (<see cref="ByteLevelBpe"/>, the same pieces as
/// RoBERTa's <see cref="EncoderTokenizer"/>), nothing starts a sequence; <c>&lt;|endoftext|&gt;</c> (config
/// <c>eos_token_id</c>) ends texts and pads, and written in a text it is read as that one token, as HF's GPT2Tokenizer does.</item>
/// <item>LLaMA (<see cref="FromSentencePiece"/>): SentencePiece from <c>tokenizer.model</c> through Microsoft.ML.Tokenizers'
/// LlamaTokenizer (its BPE, byte fallback, the dummy-prefix space); &lt;s&gt; (bos_token_id) starts every sequence as HF's
/// LlamaTokenizer's add_bos_token does, &lt;/s&gt; ends texts.</item>
/// </list>
/// </summary>
public sealed class DecoderTokenizer
{
    readonly Tokenizer tokenizer;

    DecoderTokenizer(Tokenizer tokenizer, int vocabSize, int eosId, int padId, string eosToken, IReadOnlyList<int> start)
    {
        this.tokenizer = tokenizer;
        VocabSize = vocabSize;
        EosId = eosId;
        PadId = padId;
        EosToken = eosToken;
        Start = start;
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
        return new DecoderTokenizer(tokenizer, vocabulary.Values.Max() + 1, eosId, padId, eosToken, start: []);
    }

    /// <summary>
    /// LLaMA's tokenizer from a checkpoint's SentencePiece <c>tokenizer.model</c> (<paramref name="source"/>, for messages).
    /// Its &lt;s&gt; and &lt;/s&gt; must be the config's <paramref name="bosId"/> and <paramref name="eosId"/>; with
    /// <paramref name="addBos"/> (HF's add_bos_token, true by default) &lt;s&gt; starts every sequence.
    /// </summary>
    public static DecoderTokenizer FromSentencePiece(Stream model, int bosId, int eosId, int padId, bool addBos, string source)
    {
        LlamaTokenizer tokenizer;
        try
        {
            tokenizer = LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{source}: not a readable SentencePiece model ({e.Message})", e);
        }
        if (tokenizer.Vocabulary.Count == 0) throw new InvalidDataException($"{source}: the SentencePiece model has no pieces");
        if (tokenizer.BeginningOfSentenceId != bosId || tokenizer.EndOfSentenceId != eosId)
            throw new InvalidDataException($"{source}: <s> is id {tokenizer.BeginningOfSentenceId} and </s> id {tokenizer.EndOfSentenceId}, " +
                $"but the config says bos_token_id {bosId} and eos_token_id {eosId}");
        return new DecoderTokenizer(tokenizer, tokenizer.Vocabulary.Values.Max() + 1, eosId, padId, tokenizer.EndOfSentenceToken,
            start: addBos ? [bosId] : []);
    }

    /// <summary>The number of entries of the vocabulary (ids are 0..VocabSize−1).</summary>
    public int VocabSize { get; }

    /// <summary>The end-of-text id: generation stops a sequence when it emits it.</summary>
    public int EosId { get; }

    /// <summary>The id that fills batches (masked out of attention).</summary>
    public int PadId { get; }

    /// <summary>The end-of-text token's text (GPT-2: <c>&lt;|endoftext|&gt;</c>).</summary>
    public string EosToken { get; }

    /// <summary>
    /// The ids that begin every sequence, before the text's own (LLaMA: [bos_token_id] when add_bos_token; GPT-2: none).
    /// Generation prepends them to each prompt; a causal-LM task writes Start + Encode(prompt) + Encode(target) + [EosId].
    /// </summary>
    public IReadOnlyList<int> Start { get; }

    /// <summary>The ids of <paramref name="text"/>, nothing added (no <see cref="Start"/>, no end of text).</summary>
    public IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text);

    /// <summary>The text of <paramref name="ids"/>: GPT-2's bytes back to UTF-8 with the end-of-text token written as itself;
    /// LLaMA's pieces with their spaces, the dummy-prefix space of the first dropped.</summary>
    public string Decode(IEnumerable<int> ids) => tokenizer.Decode(ids) ?? "";
}
