using Pipeline.Generation;
using Pipeline.Models;
using Pipeline.Models.Llama;
using Pipeline.Tests.Models;
using Pipeline.Text;

namespace Pipeline.Tests.Text;

/// <summary>
/// LLaMA's SentencePiece tokenizer (Fixtures/llama-tiny/tokenizer.model, trained by scripts/reference/llama_tokenizer.py on
/// this repository's docs with LLaMA's settings) against SentencePiece's own ids (tokenization.json), and its conventions:
/// &lt;s&gt; starts every sequence (<see cref="DecoderTokenizer.Start"/>), Encode gives the text's ids only.
/// </summary>
public class LlamaTokenizerTests
{
    static string ModelFile => Path.Combine(TinyLlama.FixtureDirectory, LlamaFamily.SentencePieceFile);

    static DecoderTokenizer Load(bool addBos = true, int bos = 1, int eos = 2)
    {
        using var model = File.OpenRead(ModelFile);
        return DecoderTokenizer.FromSentencePiece(model, bos, eos, padId: eos, addBos, ModelFile);
    }

    [Fact]
    public void Ids_equal_SentencePieces_own_on_every_case_and_decode_back()
    {
        var reference = TinyLlama.Fixture("tokenization.json");
        var tokenizer = Load();
        Assert.Equal(reference["vocab_size"]!.GetValue<int>(), tokenizer.VocabSize);
        var cases = reference["cases"]!.AsArray();
        Assert.True(cases.Count >= 8);
        foreach (var c in cases)
        {
            string text = c!["text"]!.GetValue<string>();
            var expected = c["ids"]!.AsArray().Select(i => i!.GetValue<int>()).ToList();
            var ids = tokenizer.Encode(text);
            Assert.True(expected.SequenceEqual(ids), $"'{text}': [{string.Join(", ", ids)}], SentencePiece [{string.Join(", ", expected)}]");
            Assert.Equal(c["decoded"]!.GetValue<string>(), tokenizer.Decode(ids));
        }
        // Byte fallback: a character the model has no piece for becomes its UTF-8 bytes (<0xF0>… are ids 3–258).
        Assert.Contains(tokenizer.Encode("🙂"), id => id is >= 3 and < 259);
    }

    [Fact]
    public void Bos_starts_every_sequence_and_Encode_gives_the_texts_ids_only()
    {
        var tokenizer = Load();
        Assert.Equal([1], tokenizer.Start);
        Assert.Equal((2, 2, "</s>"), (tokenizer.EosId, tokenizer.PadId, tokenizer.EosToken));
        var ids = tokenizer.Encode("Hello world");
        Assert.DoesNotContain(1, ids);
        Assert.DoesNotContain(2, ids);
        Assert.Empty(Load(addBos: false).Start);
    }

    [Fact]
    public void Special_ids_that_disagree_with_the_config_are_an_error_naming_the_file_and_both_ids()
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(bos: 5));
        Assert.Equal($"{ModelFile}: <s> is id 1 and </s> id 2, but the config says bos_token_id 5 and eos_token_id 2", e.Message);
        using var notAModel = new MemoryStream("not a sentencepiece model"u8.ToArray());
        var damaged = Assert.Throws<InvalidDataException>(() => DecoderTokenizer.FromSentencePiece(notAModel, 1, 2, 2, true, "x/tokenizer.model"));
        Assert.StartsWith("x/tokenizer.model: not a readable SentencePiece model", damaged.Message);
    }

    [Fact]
    public void A_LLaMA_checkpoint_loads_tokenizer_model_honours_add_bos_token_and_without_it_says_which_file_to_add()
    {
        using var fixture = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        Assert.Null(fixture.Tokenizer);
        Assert.Equal([1], fixture.RequireDecoderTokenizer().Start);

        using var dir = new TestPaths.TempDir();
        foreach (var file in new[] { "config.json", "model.safetensors", LlamaFamily.SentencePieceFile })
            File.Copy(Path.Combine(TinyLlama.FixtureDirectory, file), dir.File(file));
        File.WriteAllText(dir.File(LlamaFamily.TokenizerConfigFile), """{"add_bos_token": false, "add_eos_token": false}""");
        using (var noBos = ModelCatalog.Load(dir.Path))
            Assert.Empty(noBos.RequireDecoderTokenizer().Start);

        File.Delete(dir.File(LlamaFamily.SentencePieceFile));
        using var bare = ModelCatalog.Load(dir.Path);
        Assert.Null(bare.DecoderTokenizer);
        Assert.Contains("put the checkpoint's SentencePiece tokenizer.model beside its weights",
            Assert.Throws<InvalidDataException>(() => bare.RequireDecoderTokenizer()).Message);
    }

    [Fact]
    public void Generation_from_text_reads_each_prompt_after_the_tokenizers_start()
    {
        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        var tokenizer = pretrained.RequireDecoderTokenizer();
        var model = pretrained.CreateLanguageModel();
        using var module = (TorchSharp.torch.nn.Module)model;
        string[] prompts = ["Hello world", "LoRA meets dropout"];
        var options = new GenerationOptions(MaxNewTokens: 6);

        var texts = TextGenerator.Generate(model, tokenizer, prompts, options);
        var withStart = TextGenerator.Generate(model, [.. prompts.Select(p => (IReadOnlyList<int>)[1, .. tokenizer.Encode(p)])], options, tokenizer.EosId, tokenizer.PadId);
        Assert.Equal(withStart.Select(c => tokenizer.Decode(c.Tokens)), texts);
        // Without <s> the model continues differently (so the test can fail).
        var without = TextGenerator.Generate(model, [.. prompts.Select(tokenizer.Encode)], options, tokenizer.EosId, tokenizer.PadId);
        Assert.NotEqual(withStart.Select(c => string.Join(",", c.Tokens)), without.Select(c => string.Join(",", c.Tokens)));
    }
}
