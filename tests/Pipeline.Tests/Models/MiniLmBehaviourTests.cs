using Pipeline.Models;

namespace Pipeline.Tests.Models;

/// <summary>
/// Real weights behave like the real model: sentence-transformers' all-MiniLM-L6-v2 gives cos ≈ 0.85 for two
/// paraphrases and ≈ −0.05 for unrelated sentences (mean-pooled, L2-normalised). A tokenizer emitting [UNK]s
/// would give ≈ 1.0 for everything; a wrong weight would move both numbers.
/// </summary>
[Collection(MiniLmCollection.Name)]
public class MiniLmBehaviourTests(MiniLmFixture miniLm)
{
    const string Guitar = "A man is playing a guitar.";

    [Fact]
    public void Paraphrases_are_close_in_embedding_space()
    {
        double cos = SentenceEmbeddings.Cosine(miniLm.Encoder, miniLm.Model.RequireTokenizer(), Guitar, "A person plays the guitar.", Pooling.Mean);

        Assert.InRange(cos, 0.83, 0.87);
    }

    [Fact]
    public void Unrelated_sentences_are_orthogonal()
    {
        double cos = SentenceEmbeddings.Cosine(miniLm.Encoder, miniLm.Model.RequireTokenizer(), Guitar, "The stock market fell sharply today.", Pooling.Mean);

        Assert.InRange(cos, -0.07, -0.03);
    }

    [Fact]
    public void Mean_pooling_is_the_default_head_of_minilm()
    {
        Assert.Equal(Pooling.Mean, miniLm.Model.DefaultPooling);
        Assert.Equal(256, miniLm.Model.MaxSequenceLength);
    }
}
