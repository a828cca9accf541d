using System.Text.Json;
using Pipeline.Text;
using Pipeline.Weights;

namespace Pipeline.Tests.Text;

/// <summary>
/// GPT-2's tokenizer cut to its first K merges (<see cref="Gpt2TokenizerFiles.WriteCut"/>) on the real files: the
/// cut is a consistent BPE — it encodes exactly as GPT-2's own merges applied only up to rank K would.
/// </summary>
public class Gpt2CutTests(Gpt2Files gpt2) : IClassFixture<Gpt2Files>
{
    const string Text = "Has a 10% chance to lower the target's Sp. Def by 1. Flamethrower — “quoted” naïve café, 🔥 and <|endoftext|> then 12345.";

    (DecoderTokenizer Tokenizer, string Vocab, string Merges) Cut(int merges, TestPaths.TempDir dir)
    {
        var (vocab, mergesPath) = Gpt2TokenizerFiles.WriteCut(gpt2.Home, merges, dir.Path);
        return (Gpt2TokenizerFiles.Load(vocab, mergesPath, Gpt2TokenizerFiles.CutVocabSize(merges) - 1), vocab, mergesPath);
    }

    [Fact]
    public void The_files_keep_the_byte_symbols_the_first_K_merges_and_end_of_text_after_them()
    {
        using var dir = new TestPaths.TempDir();
        var (tokenizer, vocab, merges) = Cut(8_000, dir);

        var ids = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocab))!;
        Assert.Equal(8_257, ids.Count);
        Assert.Equal(Enumerable.Range(0, 8_257), ids.Values.Order());
        Assert.Equal(8_256, ids["<|endoftext|>"]);
        Assert.Equal(8_257, tokenizer.VocabSize);
        Assert.Equal(8_256, tokenizer.EosId);
        // Every kept token has GPT-2's own id.
        Assert.All(ids.Where(p => p.Key != "<|endoftext|>"), p => Assert.Equal(gpt2.Vocabulary[p.Key], p.Value));

        var lines = File.ReadAllLines(merges);
        Assert.Equal("#version: 0.2", lines[0]);
        Assert.Equal(File.ReadLines(gpt2.Merges).Skip(1).Take(8_000), lines.Skip(1));
        Assert.Equal(HfCheckpoint.BpeVocabFile, Path.GetFileName(vocab));
        Assert.Equal(HfCheckpoint.BpeMergesFile, Path.GetFileName(merges));
    }

    [Fact]
    public void A_cut_encodes_every_text_back_and_agrees_with_gpt2_wherever_gpt2_uses_only_kept_tokens()
    {
        using var dir = new TestPaths.TempDir();
        var full = Gpt2TokenizerFiles.Load(gpt2.Home);
        var (cut, _, _) = Cut(8_000, dir);

        var ids = cut.Encode(Text);
        Assert.Equal(Text, cut.Decode(ids));
        Assert.All(ids, id => Assert.InRange(id, 0, 8_256));
        Assert.Contains(8_256, ids);   // <|endoftext|> written in a text is the one token
        var gpt2Ids = full.Encode(Text);
        Assert.True(ids.Count > gpt2Ids.Count, $"{ids.Count} pieces with 8,000 merges, {gpt2Ids.Count} with all");

        // Word by word: a word GPT-2 spells with tokens of merges below K only went through those merges, in rank
        // order, so the cut must spell it the same; the rest splits into more pieces of the kept tokens.
        int same = 0;
        foreach (string word in Text.Split(' ').Where(w => w != "<|endoftext|>").Select(w => " " + w))
        {
            var expected = full.Encode(word);
            if (expected.All(id => id < 256 + 8_000))
            {
                Assert.Equal(expected, cut.Encode(word));
                same++;
            }
            else Assert.True(cut.Encode(word).Count > expected.Count, word);
        }
        Assert.True(same >= 10, $"only {same} words to compare");
    }

    [Fact]
    public void All_50000_merges_reproduce_gpt2_and_impossible_cuts_are_refused()
    {
        using var dir = new TestPaths.TempDir();
        var (cut, _, _) = Cut(50_000, dir);
        Assert.Equal(Gpt2TokenizerFiles.Load(gpt2.Home).Encode(Text), cut.Encode(Text));
        Assert.Equal(Gpt2TokenizerFiles.VocabSize, cut.VocabSize);

        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2TokenizerFiles.WriteCut(gpt2.Home, 0, dir.Path));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2TokenizerFiles.WriteCut(gpt2.Home, 50_001, dir.Path));
    }
}
