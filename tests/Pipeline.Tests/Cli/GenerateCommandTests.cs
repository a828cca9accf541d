using System.Text.Json.Nodes;
using Pipeline.Generation;
using Pipeline.Models;
using Pipeline.Tests.Models;
using Pipeline.Tests.Runs;

namespace Pipeline.Tests.Cli;

/// <summary><c>pipeline generate</c> on a tiny GPT-2 checkpoint the test writes (random weights, a tiny vocab.json + merges.txt).</summary>
public class GenerateCommandTests
{
    [Fact]
    public void Generate_prints_what_the_library_generates_and_writes_JSON_lines_with_out()
    {
        using var dir = new TestPaths.TempDir();
        string model = Path.Combine(dir.Path, "tiny-gpt2");
        Directory.CreateDirectory(model);
        TinyGpt2.WriteCheckpoint(model);
        string[] prompts = ["hello world", "the"];

        // What the library gives for the same checkpoint and options.
        using var pretrained = ModelCatalog.Load(model);
        var lm = pretrained.CreateLanguageModel();
        using var module = (TorchSharp.torch.nn.Module)lm;
        var greedy = TextGenerator.Generate(lm, pretrained.RequireDecoderTokenizer(), prompts, new GenerationOptions(MaxNewTokens: 6));
        var beams = TextGenerator.Generate(lm, pretrained.RequireDecoderTokenizer(), prompts,
            new GenerationOptions(DecodingStrategy.Beam, MaxNewTokens: 6, NumBeams: 3, NoRepeatNgramSize: 2));
        Assert.All(greedy, text => Assert.NotEqual("", text));

        var (code, output) = PipelineProcess.Run($"generate --model \"{model}\" --prompt \"hello world\" --prompt the --max-new-tokens 6 --device cpu");
        Assert.True(code == 0, output);
        Assert.Equal(greedy, output.TrimEnd('\n').Split('\n'));

        string jsonl = Path.Combine(dir.Path, "out", "completions.jsonl");
        File.WriteAllLines(dir.File("prompts.txt"), ["hello world", "", "the"]);
        (code, output) = PipelineProcess.Run($"generate --model \"{model}\" --file \"{dir.File("prompts.txt")}\" --beams 3 --no-repeat-ngram-size 2 --max-new-tokens 6 --out \"{jsonl}\"");
        Assert.True(code == 0, output);
        Assert.Contains("wrote 2 completion(s)", output);
        var lines = File.ReadAllLines(jsonl).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(prompts, lines.Select(l => l["prompt"]!.GetValue<string>()));
        Assert.Equal(beams, lines.Select(l => l["completion"]!.GetValue<string>()));
        Assert.Equal([jsonl], Directory.GetFiles(Path.GetDirectoryName(jsonl)!));   // no temp file left
    }

    [Fact]
    public void Generate_reads_a_LLaMA_checkpoint_with_its_SentencePiece_tokenizer_and_prompts_after_bos()
    {
        string model = TinyLlama.FixtureDirectory;
        string[] prompts = ["Hello world", "LoRA meets dropout"];
        using var pretrained = ModelCatalog.Load(model);
        var lm = pretrained.CreateLanguageModel();
        using var module = (TorchSharp.torch.nn.Module)lm;
        var tokenizer = pretrained.RequireDecoderTokenizer();
        var expected = TextGenerator.Generate(lm, [.. prompts.Select(p => (IReadOnlyList<int>)[.. tokenizer.Start, .. tokenizer.Encode(p)])],
            new GenerationOptions(MaxNewTokens: 5), tokenizer.EosId, tokenizer.PadId).Select(c => tokenizer.Decode(c.Tokens)).ToList();

        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"generate --model \"{model}\" --prompt \"Hello world\" --prompt \"LoRA meets dropout\" --max-new-tokens 5 --out \"{dir.File("out.jsonl")}\"");
        Assert.True(code == 0, output);
        Assert.Equal(expected, File.ReadAllLines(dir.File("out.jsonl")).Select(l => JsonNode.Parse(l)!["completion"]!.GetValue<string>()));
    }

    [Fact]
    public void Prompts_come_from_stdin_and_sampling_repeats_by_seed()
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteCheckpoint(dir.Path);
        string Sample(int seed)
        {
            var start = PipelineProcess.StartInfo($"generate --model \"{dir.Path}\" --sample --seed {seed} --temperature 2 --top-k 0 --max-new-tokens 10");
            start.RedirectStandardInput = true;
            using var process = System.Diagnostics.Process.Start(start)!;
            process.StandardInput.Write("hello\nthe world\n");
            process.StandardInput.Close();
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
            Assert.True(process.ExitCode == 0, stdout + stderr);
            Assert.Equal(2, stdout.TrimEnd('\n').Split('\n').Length);
            return stdout;
        }
        string first = Sample(1);
        Assert.Equal(first, Sample(1));
        Assert.NotEqual(first, Sample(2));
    }

    [Theory]
    [InlineData("--model all-minilm-l6-v2 --prompt hi", "model 'all-minilm-l6-v2' is not a decoder")]
    [InlineData("--model MODEL --prompt hi --greedy --beams 2", "choose one of --greedy, --sample and --beams N")]
    [InlineData("--model MODEL --prompt hi --top-p 0.5", "--temperature, --top-k, --top-p and --seed apply to --sample")]
    [InlineData("--model MODEL --prompt hi --max-new-tokens 40", "exceeds the model's 16 positions")]
    [InlineData("--model MODEL --file /nonexistent/prompts.txt", "prompt file '/nonexistent/prompts.txt' does not exist")]
    public void Bad_input_exits_non_zero_with_a_message(string arguments, string message)
    {
        using var dir = new TestPaths.TempDir();
        TinyGpt2.WriteCheckpoint(dir.Path);
        var (code, output) = PipelineProcess.Run("generate " + arguments.Replace("MODEL", $"\"{dir.Path}\""));
        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output);
    }
}
