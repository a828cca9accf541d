using Pipeline.Models;
using Pipeline.Tests.Models;
using Pipeline.Text;
using Pipeline.Weights;

namespace Pipeline.Tests.Text;

/// <summary>GPT-2's tokenizer conventions on a tiny vocab.json + merges.txt written by the test (TinyGpt2.WriteTokenizer).</summary>
public class DecoderTokenizerTests
{
    static DecoderTokenizer Load(string directory, int eosId = 49, int? padId = null)
    {
        using var vocab = File.OpenRead(Path.Combine(directory, HfCheckpoint.BpeVocabFile));
        using var merges = File.OpenRead(Path.Combine(directory, HfCheckpoint.BpeMergesFile));
        return DecoderTokenizer.FromByteLevelBpe(vocab, merges, eosId, padId ?? eosId);
    }

    [Fact]
    public void Text_becomes_merged_byte_level_tokens_with_nothing_added_and_decodes_back()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteTokenizer(dir.Path);
        var tokenizer = Load(dir.Path);
        var ids = tokenizer.Encode("hello world, the end.");
        // hello | Ġworld | , | Ġthe | Ġ e n d | .   — merges applied, the space as "Ġ" glued to the next word, no <s> or [CLS].
        int Id(string token) => TokenId(dir.Path, token);
        Assert.Equal([Id("hello"), Id("Ġworld"), Id(","), Id("Ġthe"), Id("Ġ"), Id("e"), Id("n"), Id("d"), Id(".")], ids);
        Assert.Equal("hello world, the end.", tokenizer.Decode(ids));
        Assert.Equal(50, tokenizer.VocabSize);
    }

    [Fact]
    public void The_end_of_text_token_is_the_configs_eos_id_and_is_read_as_one_token_in_a_text()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteTokenizer(dir.Path, eosId: 45);
        var tokenizer = Load(dir.Path, eosId: 45);
        Assert.Equal((45, 45, "<|endoftext|>"), (tokenizer.EosId, tokenizer.PadId, tokenizer.EosToken));
        Assert.Equal([TokenId(dir.Path, "hello"), 45, TokenId(dir.Path, "hello")], tokenizer.Encode("hello<|endoftext|>hello"));
        Assert.Equal("hello<|endoftext|>", tokenizer.Decode([TokenId(dir.Path, "hello"), 45]));
    }

    [Fact]
    public void An_eos_id_the_vocabulary_lacks_is_an_error_naming_it()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteTokenizer(dir.Path, eosId: 49);
        var e = Assert.Throws<InvalidDataException>(() => Load(dir.Path, eosId: 60));
        Assert.Contains("no entry with id 60, the config's eos_token_id", e.Message);
    }

    [Fact]
    public void A_GPT2_checkpoint_loads_the_decoder_tokenizer_and_without_its_files_says_which_to_add()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteCheckpoint(dir.Path);
        using var gpt2 = ModelCatalog.Load(dir.Path);
        Assert.Null(gpt2.Tokenizer);
        var tokenizer = gpt2.RequireDecoderTokenizer();
        Assert.Equal(TinyGpt2.Config.EosTokenId, tokenizer.EosId);
        Assert.Equal("hello world", tokenizer.Decode(tokenizer.Encode("hello world")));

        // Without the files: the weights load, and asking for the tokenizer says which files to add.
        File.Delete(Path.Combine(dir.Path, HfCheckpoint.BpeMergesFile));
        using var bare = ModelCatalog.Load(dir.Path);
        Assert.Null(bare.DecoderTokenizer);
        Assert.Contains("merges.txt", Assert.Throws<InvalidDataException>(() => bare.RequireDecoderTokenizer()).Message);
    }

    static int TokenId(string directory, string token) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(directory, HfCheckpoint.BpeVocabFile)))![token];
}
