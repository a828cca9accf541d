using System.Text;
using Google.Protobuf;
using Pipeline.Engine;
using Pipeline.Models.Bert;
using Pipeline.Models.Llama;
using Pipeline.Tests.Models;
using Pipeline.Text;
using Pipeline.Training;
using Pipeline.Weights;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Pipeline.Tests.Weights;

/// <summary>
/// Untrusted files (issue 16 item 5): 1,000 seeded mutations of a valid file per format, each either loading or
/// refused with an <see cref="InvalidDataException"/> that names the file — never another exception, a hang or an
/// allocation out of proportion to the file (<see cref="Fuzz"/>).
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    void Report(string format, (int Loaded, TimeSpan Elapsed) result) =>
        output.WriteLine($"{format}: {Fuzz.Cases} cases, {result.Loaded} loaded, {Fuzz.Cases - result.Loaded} refused, {result.Elapsed.TotalSeconds:F1} s");

    [Fact]
    public void Fuzzed_safetensors_checkpoints_load_or_are_refused_naming_the_file()
    {
        TorchRuntime.Initialize();
        using var dir = new TestPaths.TempDir();
        File.Copy(Path.Combine(TinyGpt2.FixtureDirectory, "config.json"), dir.File("config.json"));
        byte[] valid = File.ReadAllBytes(Path.Combine(TinyGpt2.FixtureDirectory, "model.safetensors"));
        Func<byte[], Random, byte[]>[] edits =
        [
            Fuzz.Replace("\"F32\"", "\"F33\"", "\"F64\"", "\"I8\"", "\"BF16\"", "\"\"", "7"),
            Fuzz.Replace("\"shape\":[", "\"shape\":[9223372036854775807,", "\"shape\":[-1,", "\"shape\":[4294967296,4294967296,", "\"shape\":[0,"),
            Fuzz.Replace("\"data_offsets\":[", "\"data_offsets\":[0,", "\"data_offsets\":[99999999999,", "\"data_offsets\":[-8,"),
            Fuzz.Replace("\"transformer.h.0.", "\"transformer.h.1.", "\"../../x.", "\"transformer.wte.weight\",\"x"),
        ];
        var result = Fuzz.Run("safetensors", valid, "model.safetensors", bytes =>
        {
            File.WriteAllBytes(dir.File("model.safetensors"), bytes);
            using var scope = NewDisposeScope();
            HfCheckpoint.Load(dir.Path).Dispose();
        }, edits);
        Report("safetensors", result);
    }

    [Fact]
    public void Fuzzed_onnx_models_import_or_are_refused_naming_the_source()
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        byte[] valid = TinyOnnx.FromStateDict(TinyEncoders.StateDict(original), TinyEncoders.Bert).ToByteArray();
        var result = Fuzz.Run("onnx", valid, "fuzz/model.onnx", bytes =>
        {
            using var scope = NewDisposeScope();
            OnnxBertImporter.Import(bytes, "fuzz/model.onnx").Dispose();
        });
        Report("onnx", result);
    }

    [Fact]
    public void Fuzzed_adapter_files_load_or_are_refused_naming_the_file()
    {
        TorchRuntime.Initialize();
        using var dir = new TestPaths.TempDir();
        string path = dir.File("adapter.bin");
        manual_seed(3);
        Checkpoints.SaveWeights(new Dictionary<string, Tensor>
        {
            ["h.0.attn.c_attn.lora_A.query.weight"] = randn(2, 16),
            ["h.0.attn.c_attn.lora_B.query.weight"] = randn(16, 2).to(ScalarType.BFloat16),
            ["classifier.bias"] = randn(3),
            ["step"] = tensor(7L),
        }, path);
        byte[] valid = File.ReadAllBytes(path);
        var result = Fuzz.Run("adapter.bin", valid, "adapter.bin", bytes =>
        {
            File.WriteAllBytes(path, bytes);
            foreach (var tensor in Checkpoints.LoadWeights(path).Values) tensor.Dispose();
        });
        Report("adapter.bin", result);
    }

    [Fact]
    public void Fuzzed_config_files_parse_or_are_refused_naming_the_file()
    {
        using var dir = new TestPaths.TempDir();
        string path = dir.File("config.json");
        byte[] valid = File.ReadAllBytes(Path.Combine(TinyLlama.FixtureDirectory, "config.json"));
        string[] keys = ["model_type", "vocab_size", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "rope_scaling", "eos_token_id"];
        var result = Fuzz.Run("config.json", valid, "config.json", bytes =>
        {
            File.WriteAllBytes(path, bytes);
            HfConfig.Read(path);
        }, [.. Fuzz.JsonEdits(keys), Fuzz.Replace("\"llama\"", "\"gpt2\"", "\"bert\"", "\"roberta\"", "\"unknown\"")]);
        Report("config.json", result);
    }

    [Fact]
    public void Fuzzed_wordpiece_vocabularies_load_or_are_refused_naming_the_file()
    {
        using var dir = new TestPaths.TempDir();
        string path = dir.File("vocab.txt");
        string[] tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. "abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()),
            "hello", "world", "##s", "##ing", "play", "café", "日"];
        byte[] valid = Encoding.UTF8.GetBytes(string.Join("\n", tokens) + "\n");
        var result = Fuzz.Run("vocab.txt", valid, "vocab.txt", bytes =>
        {
            File.WriteAllBytes(path, bytes);
            using var vocab = UntrustedFile.OpenRead(path, UntrustedFile.MaxTokenizerBytes);
            EncoderTokenizer.FromVocab(vocab, lowerCase: true, maxLength: 16).Encode("Hello worlds, playing café 日本");
        }, [Fuzz.Replace("[CLS]", "[CLS", "[PAD]", ""), Fuzz.Replace("\n", "\n\n", "\r\n", "\n[SEP]\n", "\n##\n", "\n\0\n")]);
        Report("vocab.txt", result);
    }

    [Fact]
    public void Fuzzed_byte_level_bpe_files_load_or_are_refused_naming_the_file()
    {
        using var dir = new TestPaths.TempDir();
        var config = TinyGpt2.Config;
        // A tiny GPT-2-style vocabulary: the printable bytes' characters, a few merges, <|endoftext|> at the config's id.
        var vocab = new Dictionary<string, int>();
        foreach (char c in "abcdefghijklmnopqrstuvwxyzĠ.,") vocab[c.ToString()] = vocab.Count;
        foreach (string merged in new[] { "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "ld" }) vocab[merged] = vocab.Count;
        vocab["<|endoftext|>"] = config.EosTokenId;
        string vocabJson = System.Text.Json.JsonSerializer.Serialize(vocab);
        string merges = "#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\nl d\n";
        int file = 0;
        foreach (var (name, valid, other) in new[] { ("vocab.json", vocabJson, merges), ("merges.txt", merges, vocabJson) })
        {
            File.WriteAllText(dir.File(name == "vocab.json" ? "merges.txt" : "vocab.json"), other);
            Func<byte[], Random, byte[]>[] edits = name == "vocab.json"
                ? [.. Fuzz.JsonEdits("<|endoftext|>", "hello"), Fuzz.Replace(":", ": 2147483647, \"q\":", ": -5, \"q\":")]
                : new[] { Fuzz.Replace(" ", "  ", "", " x y "), Fuzz.Replace("\n", "\n\n", "\nzz qq\n", "\n#version\n") };
            var result = Fuzz.Run(name, Encoding.UTF8.GetBytes(valid), name, bytes =>
            {
                File.WriteAllBytes(dir.File(name), bytes);
                config.Family.LoadDecoderTokenizer(dir.Path, config)!.Encode("hello world.");
            }, edits, seed: 16 + file++, cases: Fuzz.Cases / 2);
            Report(name, result);
        }
    }

    [Fact]
    public void Fuzzed_sentencepiece_models_load_or_are_refused_naming_the_file()
    {
        string path = Path.Combine(TinyLlama.FixtureDirectory, LlamaFamily.SentencePieceFile);
        byte[] valid = File.ReadAllBytes(path);
        var result = Fuzz.Run("tokenizer.model", valid, "tokenizer.model", bytes =>
        {
            using var model = new MemoryStream(bytes);
            DecoderTokenizer.FromSentencePiece(model, bosId: 1, eosId: 2, padId: 2, addBos: true, "tokenizer.model").Encode("Hello, world");
        });
        Report("tokenizer.model", result);
    }
}
