using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Pipeline.Engine;
using Pipeline.Generation;
using Pipeline.Models;
using Pipeline.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline generate --model M --prompt TEXT</c>: text from a GPT-2 or LLaMA checkpoint (each prompt read after the
/// tokenizer's <see cref="Text.DecoderTokenizer.Start"/>, LLaMA's &lt;s&gt;), by greedy search, sampling or beam
/// search (docs/models.md, "Generation"). Prompts from <c>--prompt</c> (repeatable), <c>--file</c> (one a line) or stdin.
/// </summary>
static class GenerateCommand
{
    /// <summary>Prompts generated together (left-padded into one batch).</summary>
    const int BatchSize = 8;

    public static Command Create()
    {
        var defaults = new GenerationOptions();
        var model = new Option<string>("--model") { Description = "A decoder checkpoint directory (config.json, model.safetensors; GPT-2: vocab.json + merges.txt, LLaMA: tokenizer.model) or its name in the model cache.", Required = true };
        var prompt = new Option<string[]>("--prompt") { Description = "A prompt (repeat for several)." };
        var file = new Option<string?>("--file") { Description = "A file of prompts, one a line (blank lines skipped)." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "At most this many tokens per completion.", DefaultValueFactory = _ => defaults.MaxNewTokens };
        var greedy = new Option<bool>("--greedy") { Description = "The most likely token at each step (the default)." };
        var sample = new Option<bool>("--sample") { Description = "Draw each token from the model's distribution (with --temperature, --top-k, --top-p, --seed)." };
        var beams = new Option<int?>("--beams") { Description = "Beam search with N beams (with --length-penalty, --no-repeat-ngram-size)." };
        var temperature = new Option<double?>("--temperature") { Description = $"Sampling: divide the logits by T (default {defaults.Temperature})." };
        var topK = new Option<int?>("--top-k") { Description = $"Sampling: keep the K most likely tokens; 0 keeps all (default {defaults.TopK})." };
        var topP = new Option<double?>("--top-p") { Description = $"Sampling: keep the most likely tokens up to probability P (default {defaults.TopP})." };
        var seed = new Option<long?>("--seed") { Description = $"Sampling: the seed; the same seed gives the same text (default {defaults.Seed})." };
        var lengthPenalty = new Option<double?>("--length-penalty") { Description = $"Beam search: score = sum log p / length^penalty (default {defaults.LengthPenalty})." };
        var noRepeat = new Option<int>("--no-repeat-ngram-size") { Description = "Never repeat an n-gram of this size (0: off).", DefaultValueFactory = _ => 0 };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: CUDA when available)." };
        var output = new Option<string?>("--out") { Description = "Write JSON lines {prompt, completion} to this file instead of printing." };
        var command = new Command("generate", "Generate text with a GPT-2 or LLaMA checkpoint: greedy, sampling or beam search, prompts batched with left padding.")
        {
            model, prompt, file, maxNew, greedy, sample, beams, temperature, topK, topP, seed, lengthPenalty, noRepeat, device, output,
        };
        command.SetAction(result =>
        {
            bool isSample = result.GetValue(sample), isGreedy = result.GetValue(greedy);
            int? beamCount = result.GetValue(beams);
            if ((isSample ? 1 : 0) + (isGreedy ? 1 : 0) + (beamCount is null ? 0 : 1) > 1)
                throw new ArgumentException("choose one of --greedy, --sample and --beams N");
            // An option of another strategy would be silently ignored: refuse it instead.
            if (!isSample && new object?[] { result.GetValue(temperature), result.GetValue(topK), result.GetValue(topP), result.GetValue(seed) }.Any(v => v is not null))
                throw new ArgumentException("--temperature, --top-k, --top-p and --seed apply to --sample");
            if (beamCount is null && result.GetValue(lengthPenalty) is not null)
                throw new ArgumentException("--length-penalty applies to --beams N");
            var options = new GenerationOptions(
                Strategy: isSample ? DecodingStrategy.Sample : beamCount is not null ? DecodingStrategy.Beam : DecodingStrategy.Greedy,
                MaxNewTokens: result.GetValue(maxNew),
                Temperature: result.GetValue(temperature) ?? defaults.Temperature,
                TopK: result.GetValue(topK) ?? defaults.TopK,
                TopP: result.GetValue(topP) ?? defaults.TopP,
                Seed: result.GetValue(seed) ?? defaults.Seed,
                NumBeams: beamCount ?? defaults.NumBeams,
                LengthPenalty: result.GetValue(lengthPenalty) ?? defaults.LengthPenalty,
                NoRepeatNgramSize: result.GetValue(noRepeat)).Checked();
            var prompts = Prompts(result.GetValue(prompt) ?? [], result.GetValue(file));
            return Run(result.GetValue(model)!, prompts, options, result.GetValue(device), result.GetValue(output));
        });
        return command;
    }

    /// <summary>--prompt values, else the lines of --file, else the lines of stdin; never none.</summary>
    static IReadOnlyList<string> Prompts(string[] given, string? file)
    {
        if (given.Length > 0 && file is not null) throw new ArgumentException("give prompts by --prompt or by --file, not both");
        if (given.Length > 0) return given;
        IEnumerable<string> lines;
        if (file is not null)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"prompt file '{file}' does not exist");
            lines = File.ReadAllLines(file);
        }
        else if (Console.IsInputRedirected)
            lines = Console.In.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r'));
        else
            throw new ArgumentException("no prompt: give --prompt TEXT, --file FILE (one prompt a line) or pipe prompts on stdin");
        var prompts = lines.Where(l => l.Trim().Length > 0).ToList();
        return prompts.Count > 0 ? prompts : throw new ArgumentException($"no prompt in {file ?? "stdin"} (blank lines are skipped)");
    }

    static int Run(string modelName, IReadOnlyList<string> prompts, GenerationOptions options, string? deviceName, string? outPath)
    {
        TorchRuntime.Initialize();
        var device = TorchRuntime.ResolveDevice(deviceName);
        using var pretrained = ModelCatalog.Load(modelName);
        var model = pretrained.CreateLanguageModel();
        using var module = (nn.Module)model;
        var tokenizer = pretrained.RequireDecoderTokenizer();
        module.to(device);

        var completions = new List<string>();
        for (int start = 0; start < prompts.Count; start += BatchSize)
        {
            var batch = prompts.Skip(start).Take(BatchSize).ToList();
            var texts = TextGenerator.Generate(model, tokenizer, batch, options);
            completions.AddRange(texts);
            if (outPath is null)
                foreach (var text in texts) Console.WriteLine(text);
        }
        if (outPath is not null)
        {
            var lines = new StringBuilder();
            for (int i = 0; i < prompts.Count; i++)
                lines.Append(new JsonObject { ["prompt"] = prompts[i], ["completion"] = completions[i] }.ToJsonString(JsonLines)).Append('\n');
            AtomicFile.WriteAllText(outPath, lines.ToString());
            Console.WriteLine($"wrote {prompts.Count} completion(s) to {outPath}");
        }
        return 0;
    }

    static readonly System.Text.Json.JsonSerializerOptions JsonLines = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
