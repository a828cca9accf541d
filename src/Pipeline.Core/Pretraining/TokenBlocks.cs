using Pipeline.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Pretraining;

/// <summary>
/// A token stream cut into fixed-length blocks, GPT-2's pretraining input: every document's tokens followed by the
/// end-of-text token, all documents concatenated in order, cut into consecutive blocks of <see cref="BlockSize"/>
/// tokens; the tail shorter than a block is dropped. A block may thus span a document boundary — the end-of-text
/// token between them tells the model a new text starts, as in GPT-2's own training.
/// </summary>
public sealed class TokenBlocks
{
    readonly int[] tokens;

    TokenBlocks(int[] tokens, int blockSize)
    {
        this.tokens = tokens;
        BlockSize = blockSize;
    }

    public int BlockSize { get; }

    /// <summary>The number of blocks.</summary>
    public int Count => tokens.Length / BlockSize;

    /// <summary>Tokens in all blocks (the dropped tail not counted).</summary>
    public long TokenCount => (long)Count * BlockSize;

    /// <summary>Block <paramref name="index"/>'s tokens.</summary>
    public ReadOnlySpan<int> this[int index] => tokens.AsSpan(index * BlockSize, BlockSize);

    /// <summary>Every document tokenized (in parallel; the order is kept), each followed by <see cref="DecoderTokenizer.EosId"/>.</summary>
    public static TokenBlocks Tokenize(IReadOnlyList<CorpusDocument> documents, DecoderTokenizer tokenizer, int blockSize)
    {
        var ids = new IReadOnlyList<int>[documents.Count];
        Parallel.For(0, documents.Count, i => ids[i] = tokenizer.Encode(documents[i].Text));
        return FromDocuments(ids, tokenizer.EosId, blockSize);
    }

    /// <summary>The stream <c>doc₁ eos doc₂ eos …</c> cut into blocks.</summary>
    public static TokenBlocks FromDocuments(IEnumerable<IReadOnlyList<int>> documents, int eosId, int blockSize)
    {
        if (blockSize < 2) throw new ArgumentException($"a block needs at least 2 tokens (one to read, one to predict), got {blockSize}");
        var stream = new List<int>();
        foreach (var document in documents)
        {
            stream.AddRange(document);
            stream.Add(eosId);
        }
        int keep = stream.Count / blockSize * blockSize;
        return new TokenBlocks(stream.GetRange(0, keep).ToArray(), blockSize);
    }

    /// <summary>
    /// <paramref name="count"/> blocks spread evenly over the stream (block ⌊i·Count/count⌋ for i = 0..count−1), so a
    /// capped evaluation still covers every source; all blocks when null or not fewer.
    /// </summary>
    public TokenBlocks Spread(int? count)
    {
        if (count is null || count >= Count) return this;
        if (count <= 0) throw new ArgumentException($"the number of blocks must be positive, got {count}");
        var picked = new int[count.Value * BlockSize];
        for (int i = 0; i < count; i++)
            this[(int)((long)i * Count / count.Value)].CopyTo(picked.AsSpan(i * BlockSize, BlockSize));
        return new TokenBlocks(picked, BlockSize);
    }

    /// <summary>The blocks at <paramref name="rows"/> as an int64 tensor [rows, BlockSize].</summary>
    public Tensor Batch(IReadOnlyList<int> rows, Device? device = null)
    {
        var data = new long[rows.Count * BlockSize];
        for (int r = 0; r < rows.Count; r++)
        {
            var block = this[rows[r]];
            for (int j = 0; j < BlockSize; j++) data[r * BlockSize + j] = block[j];
        }
        var batch = tensor(data, [rows.Count, BlockSize], dtype: ScalarType.Int64);
        return device is null || device.type == DeviceType.CPU ? batch : batch.to(device);
    }

    /// <summary>
    /// The tokens a language model is scored on: in each block, every token after the first (the first has no
    /// context within the block). The unigram baseline is scored on exactly these.
    /// </summary>
    public IEnumerable<int> Targets()
    {
        for (int b = 0; b < Count; b++)
            for (int j = 1; j < BlockSize; j++)
                yield return tokens[b * BlockSize + j];
    }

    /// <summary>Every token of every block.</summary>
    public IEnumerable<int> AllTokens() => tokens.Take(Count * BlockSize);
}
