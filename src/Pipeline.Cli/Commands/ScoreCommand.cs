using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Metrics.Nlg;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline score --hyp FILE --refs FILE</c>: the NLG metrics of e2e-metrics and tercom (docs/metrics.md) on files
/// in e2e-metrics' plain-text format — hypotheses one a line; references in blocks separated by a blank line, block
/// i holding the references of hypothesis i (a file without any blank line holds one reference per hypothesis).
/// Lines are read stripped, as e2e-metrics reads them.
/// </summary>
static class ScoreCommand
{
    public static Command Create()
    {
        var hyp = new Option<string>("--hyp") { Description = "Hypotheses, one a line.", Required = true };
        var refs = new Option<string>("--refs") { Description = "References: block i (lines up to a blank line) holds those of hypothesis i.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the scores as a JSON object instead of a table." };
        var meteorJar = new Option<string?>("--meteor-jar") { Description = "meteor-1.5.jar (data/paraphrase-en.gz beside it; Java on PATH). Without it METEOR is not computed." };
        var metrics = new Option<string?>("--metrics") { Description = $"Comma-separated metrics (default: all of {string.Join(",", NlgScorer.Names)})." };
        var command = new Command("score", "Score hypotheses against references with BLEU, NIST, METEOR, ROUGE-L, CIDEr (as e2e-metrics) and TER (as tercom).")
        {
            hyp, refs, json, meteorJar, metrics,
        };
        command.SetAction(result =>
        {
            var names = result.GetValue(metrics) is { } list
                ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : [.. NlgScorer.Names];
            foreach (var name in names) NlgScorer.HigherIsBetter(name);   // an unknown name fails before any file is read
            string hypPath = result.GetValue(hyp)!, refsPath = result.GetValue(refs)!;
            var hypotheses = ReadHypotheses(hypPath);
            var references = ReadReferences(refsPath);
            if (hypotheses.Count != references.Count)
                throw new InvalidDataException($"{hypPath} has {hypotheses.Count} hypotheses but {refsPath} has {references.Count} reference blocks; block i (blank-line separated) must hold the references of hypothesis i");
            string? jar = result.GetValue(meteorJar);
            var scores = NlgScorer.Score(hypotheses, references, names, new NlgOptions(jar));
            bool meteorSkipped = names.Contains(NlgScorer.MeteorName) && !scores.ContainsKey(NlgScorer.MeteorName);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(scores, new JsonSerializerOptions { WriteIndented = true }));
                if (meteorSkipped) Console.Error.WriteLine(NlgScorer.MeteorUnavailable);
            }
            else
            {
                Console.Write(Table(scores));
                if (meteorSkipped) Console.WriteLine(NlgScorer.MeteorUnavailable);
            }
            return 0;
        });
        return command;
    }

    /// <summary>One metric a line, names padded, four decimals as e2e-metrics prints them.</summary>
    public static string Table(IReadOnlyDictionary<string, double> scores)
    {
        int width = scores.Keys.Max(k => k.Length) + 2;
        return string.Concat(scores.Select(s => s.Key.PadRight(width) + s.Value.ToString("F4", CultureInfo.InvariantCulture) + "\n"));
    }

    static string[] ReadLines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path) : throw new FileNotFoundException($"file '{path}' does not exist", path);

    static IReadOnlyList<string> ReadHypotheses(string path)
    {
        var lines = ReadLines(path).Select(Strip).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);   // blank lines at the end
        if (lines.Count == 0) throw new InvalidDataException($"{path}: no hypotheses (expected one a line)");
        int blank = lines.IndexOf("");
        if (blank >= 0) throw new InvalidDataException($"{path}:{blank + 1}: empty line where a hypothesis is expected (one hypothesis a line; write a placeholder for an empty output)");
        return lines;
    }

    static IReadOnlyList<IReadOnlyList<string>> ReadReferences(string path)
    {
        var lines = ReadLines(path).Select(Strip).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) throw new InvalidDataException($"{path}: no references");
        var blocks = new List<IReadOnlyList<string>>();
        var block = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length > 0) { block.Add(lines[i]); continue; }
            if (block.Count == 0) throw new InvalidDataException($"{path}:{i + 1}: a second blank line in a row; blocks of references are separated by exactly one blank line");
            blocks.Add(block);
            block = [];
        }
        blocks.Add(block);
        // As e2e-metrics: a file without any blank line holds one reference per hypothesis.
        return blocks.Count == 1 ? [.. blocks[0].Select(r => (IReadOnlyList<string>)[r])] : blocks;
    }

    /// <summary>Python's str.strip(), as e2e-metrics reads each line.</summary>
    static string Strip(string line) => line.Trim().Trim('\x1c', '\x1d', '\x1e', '\x1f').Trim();
}
