using System.Text.Json.Nodes;
using Pipeline.Generation;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>One check of <see cref="DecoderParity"/>: what was compared, whether it held, and the figure or the first difference.</summary>
public sealed record ParityCheck(string Name, bool Passed, string Detail);

/// <summary>
/// A decoder checkpoint against reference outputs written beside it by another implementation: <c>reference.json</c>
/// (a right-padded batch's <c>input_ids</c>, <c>attention_mask</c>, and the next-token <c>logits</c> at every real
/// token) and, when present, <c>generation.json</c> (<c>prompts</c> as ids, <c>max_new_tokens</c>, and <c>cases</c>: greedy
/// or beam with <c>num_beams</c>, <c>length_penalty</c>, <c>no_repeat_ngram_size</c>, <c>eos_token_id</c>, and the
/// <c>expected</c> ids of each prompt run alone). scripts/reference/*.py write them in plain PyTorch (CPU tests);
/// scripts/gpu/decoder_parity.py writes them with transformers' <c>save_pretrained</c> and <c>generate</c>
/// (<c>pipeline models parity</c> on the GPU host). Prompts run here as one left-padded batch.
/// </summary>
public static class DecoderParity
{
    public const string ReferenceFile = "reference.json", GenerationFile = "generation.json";

    public static IReadOnlyList<ParityCheck> Check(string directory, double tolerance)
    {
        using var pretrained = ModelCatalog.Load(directory);
        var model = pretrained.CreateLanguageModel();
        using var module = (nn.Module)model;
        var checks = new List<ParityCheck> { Logits(model, directory, tolerance) };
        string generation = Path.Combine(directory, GenerationFile);
        if (File.Exists(generation)) checks.AddRange(Generation(model, JsonNode.Parse(File.ReadAllText(generation))!, pretrained.Config));
        return checks;
    }

    static ParityCheck Logits(ICausalLanguageModel model, string directory, double tolerance)
    {
        string file = Path.Combine(directory, ReferenceFile);
        if (!File.Exists(file)) throw new FileNotFoundException($"{directory}: no {ReferenceFile} (input_ids, attention_mask and the reference logits)", file);
        var reference = JsonNode.Parse(File.ReadAllText(file))!;
        using var scope = NewDisposeScope();
        var ids = Matrix(reference["input_ids"]!);
        var mask = Matrix(reference["attention_mask"]!);
        var (logits, cache) = model.Decode(ids, mask);
        cache.Dispose();
        var rows = reference["logits"]!.AsArray();
        double worst = 0;
        for (int row = 0; row < rows.Count; row++)
        {
            var expected = rows[row]!.AsArray();
            for (int t = 0; t < expected.Count; t++)
            {
                var want = tensor(expected[t]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray());
                worst = Math.Max(worst, (logits[row, t] - want).abs().max().item<float>());
            }
        }
        return new ParityCheck($"logits ({rows.Count} rows)", worst <= tolerance, $"max |diff| {worst:g3} (tolerance {tolerance:g3})");
    }

    static IEnumerable<ParityCheck> Generation(ICausalLanguageModel model, JsonNode reference, IModelConfig config)
    {
        var prompts = reference["prompts"]!.AsArray().Select(p => (IReadOnlyList<int>)Ints(p!)).ToList();
        int maxNew = reference["max_new_tokens"]!.GetValue<int>();
        int pad = reference["pad_token_id"]?.GetValue<int>() ?? 0;
        foreach (var c in reference["cases"]!.AsArray())
        {
            bool greedy = c!["strategy"]!.GetValue<string>() == "greedy";
            var options = greedy
                ? new GenerationOptions(DecodingStrategy.Greedy, maxNew)
                : new GenerationOptions(DecodingStrategy.Beam, maxNew, NumBeams: c["num_beams"]!.GetValue<int>(),
                    LengthPenalty: c["length_penalty"]!.GetValue<double>(), NoRepeatNgramSize: c["no_repeat_ngram_size"]?.GetValue<int>() ?? 0);
            int eos = c["eos_token_id"]!.GetValue<int>();
            var expected = c["expected"]!.AsArray().Select(r => Ints(r!)).ToList();
            var actual = TextGenerator.Generate(model, prompts, options, eos, pad);
            string name = greedy ? $"greedy (eos {eos})" : $"beam {options.NumBeams}, length_penalty {options.LengthPenalty}, no_repeat_ngram_size {options.NoRepeatNgramSize} (eos {eos})";
            int wrong = Enumerable.Range(0, prompts.Count).FirstOrDefault(i => !expected[i].SequenceEqual(actual[i].Tokens), -1);
            yield return wrong < 0
                ? new ParityCheck(name, true, $"{prompts.Count} prompts token for token")
                : new ParityCheck(name, false, $"prompt {wrong}: [{string.Join(", ", actual[wrong].Tokens)}], reference [{string.Join(", ", expected[wrong])}]");
        }
    }

    static int[] Ints(JsonNode node) => node.AsArray().Select(t => t!.GetValue<int>()).ToArray();

    static Tensor Matrix(JsonNode node)
    {
        var rows = node.AsArray().Select(r => Ints(r!)).ToArray();
        return tensor(rows.SelectMany(r => r.Select(v => (long)v)).ToArray(), [rows.Length, rows[0].Length]);
    }
}
