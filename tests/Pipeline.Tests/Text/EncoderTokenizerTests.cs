using Pipeline.Models;
using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Tests.Text;

public class EncoderTokenizerTests
{
    static readonly Lazy<string[]> VocabLines = new(() =>
    {
        using var reader = new StreamReader(ModelCatalog.MiniLm.OpenVocab());
        return [.. reader.ReadToEnd().Split('\n').Select(line => line.TrimEnd('\r'))];   // the vocab has CRLF lines
    });

    static readonly Lazy<EncoderTokenizer> MiniLm = new(() =>
    {
        using var vocab = ModelCatalog.MiniLm.OpenVocab();
        return EncoderTokenizer.FromVocab(vocab, lowerCase: true, maxLength: 512);
    });

    static int Id(string token) => Array.IndexOf(VocabLines.Value, token);

    [Fact]
    public void Special_and_common_tokens_have_their_vocab_ids()
    {
        var t = MiniLm.Value;
        Assert.Equal((Id("[CLS]"), Id("[SEP]"), Id("[PAD]"), Id("[UNK]")), (t.ClsId, t.SepId, t.PadId, t.UnknownId));
        Assert.Equal((101, 102, 0, 100), (t.ClsId, t.SepId, t.PadId, t.UnknownId));
        Assert.Equal(30522, t.VocabSize);

        Assert.Equal([101, Id("hello"), Id(","), Id("world"), Id("!"), 102], t.Encode("Hello, WORLD!").InputIds);
    }

    [Fact]
    public void Unknown_words_split_into_word_pieces()
    {
        Assert.Equal([Id("una"), Id("##ffa"), Id("##ble")], MiniLm.Value.Tokenize("unaffable"));
    }

    [Fact]
    public void Accents_are_stripped_for_the_uncased_vocabulary_without_icu()
    {
        var t = MiniLm.Value;
        Assert.Equal(t.Tokenize("hello naive cafe angstrom"), t.Tokenize("Héllo naïve CAFÉ Ångström"));
        Assert.DoesNotContain(t.UnknownId, t.Tokenize("Héllo naïve CAFÉ Ångström"));
        Assert.Equal("\u1112\u1161\u11AB", AccentStripping.Strip("한"));   // Hangul syllable → jamo, as NFD
        Assert.Equal("xy", AccentStripping.Strip("x\u0301y"));
    }

    [Fact]
    public void A_pair_is_cls_a_sep_b_sep_with_token_types_0_then_1()
    {
        var t = MiniLm.Value;
        var pair = t.Encode("a man", "a guitar");

        Assert.Equal([101, Id("a"), Id("man"), 102, Id("a"), Id("guitar"), 102], pair.InputIds);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1], pair.TokenTypeIds);
    }

    [Fact]
    public void Truncation_keeps_the_closing_sep_and_cuts_pairs_longest_first()
    {
        var t = MiniLm.Value;
        var single = t.Encode("one two three four five six", maxLength: 5);
        Assert.Equal([101, Id("one"), Id("two"), Id("three"), 102], single.InputIds);

        var pair = t.Encode("one two three four five six", "seven eight", maxLength: 8);
        Assert.Equal("[CLS] one two three [SEP] seven eight [SEP]", t.Decode(pair.InputIds));

        // Equal lengths: HF drops from the second first, then alternates.
        var even = t.Encode("one two three four", "five six seven eight", maxLength: 9);
        Assert.Equal("[CLS] one two three [SEP] five six seven [SEP]", t.Decode(even.InputIds));
    }

    [Fact]
    public void A_batch_pads_to_the_longest_with_masks_and_int64_tensors()
    {
        using var scope = NewDisposeScope();
        var t = MiniLm.Value;
        var batch = t.Batch(["a", "a man is playing a guitar"], ["b", "c"]);

        Assert.Equal([2L, 10L], batch.InputIds.shape);
        Assert.All(new[] { batch.InputIds, batch.AttentionMask, batch.TokenTypeIds! }, x => Assert.Equal(ScalarType.Int64, x.dtype));
        Assert.Equal([5L, 10L], batch.AttentionMask.sum(1).data<long>().ToArray());
        Assert.Equal([101L, Id("a"), 102, Id("b"), 102, 0, 0, 0, 0, 0], batch.InputIds[0].data<long>().ToArray());
        Assert.Equal([0L, 0, 0, 1, 1, 0, 0, 0, 0, 0], batch.TokenTypeIds![0].data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 1, 0, 0, 0, 0, 0], batch.AttentionMask[0].data<long>().ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(513)]
    public void A_max_length_outside_the_model_is_refused(int maxLength)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MiniLm.Value.Encode("a", "b", maxLength));
        Assert.Contains("512 positions", e.Message);
    }
}
