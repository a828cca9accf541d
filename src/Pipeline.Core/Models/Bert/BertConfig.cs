namespace Pipeline.Models.Bert;

/// <summary>The two BERT-family variants: they differ in position ids and token types.</summary>
public enum BertVariant
{
    /// <summary>Positions 0..L−1; token types 0/1 for sentence pairs.</summary>
    Bert,
    /// <summary>Positions counted from padding_idx + 1 over real tokens (HF create_position_ids_from_input_ids); one token type.</summary>
    Roberta,
}

/// <summary>
/// A BERT-family encoder's shape; property names follow HF <c>config.json</c> (<c>hidden_size</c> → <see cref="HiddenSize"/>, …).
/// It travels into every checkpoint and run so a run can always rebuild its model.
/// </summary>
public sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings = 512,
    int TypeVocabSize = 2,
    double LayerNormEps = 1e-12,
    int PadTokenId = 0,
    BertVariant Variant = BertVariant.Bert) : IModelConfig
{
    public int HeadDim => HiddenSize / NumAttentionHeads;

    public ModelFamily Family => BertFamily.Instance;

    public string ModelType => Variant == BertVariant.Roberta ? "roberta" : "bert";

    /// <summary>RoBERTa counts positions from pad_token_id + 1, so its last usable position is smaller.</summary>
    public int UsablePositions => Variant == BertVariant.Roberta ? MaxPositionEmbeddings - PadTokenId - 1 : MaxPositionEmbeddings;

    /// <summary>Per layer: q, k, v and the attention output (D×D each), the FFN's up and down projections (D×F each).</summary>
    public long MatmulWeights => (long)NumHiddenLayers * (4L * HiddenSize * HiddenSize + 2L * HiddenSize * IntermediateSize);

    /// <summary>"Bert: 6 layers × 384, 12 heads, FFN 1536, vocab 30522, 512 positions".</summary>
    public string Describe() =>
        $"{Variant}: {NumHiddenLayers} layers × {HiddenSize}, {NumAttentionHeads} heads, " +
        $"FFN {IntermediateSize}, vocab {VocabSize}, {MaxPositionEmbeddings} positions";

    /// <summary>all-MiniLM-L6-v2: 6 layers × 384, 12 heads, FFN 1536, uncased WordPiece 30522 (the embedded default).</summary>
    public static BertConfig MiniLmL6 { get; } = new(30522, 384, 6, 12, 1536);

    /// <summary>bert-base-uncased: 12 layers × 768.</summary>
    public static BertConfig BertBase { get; } = new(30522, 768, 12, 12, 3072);

    /// <summary>roberta-large: 24 layers × 1024, the paper's NLU model.</summary>
    public static BertConfig RobertaLarge { get; } =
        new(50265, 1024, 24, 16, 4096, MaxPositionEmbeddings: 514, TypeVocabSize: 1, LayerNormEps: 1e-5, PadTokenId: 1, Variant: BertVariant.Roberta);

    public IEnumerable<string> Validate()
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0 || IntermediateSize <= 0)
            yield return "vocab_size, hidden_size, num_hidden_layers, num_attention_heads and intermediate_size must be positive";
        else if (HiddenSize % NumAttentionHeads != 0)
            yield return $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}";
        if (MaxPositionEmbeddings <= 0 || TypeVocabSize <= 0)
            yield return "max_position_embeddings and type_vocab_size must be positive";
    }
}
