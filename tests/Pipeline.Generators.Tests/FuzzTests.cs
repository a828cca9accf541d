using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Pipeline.Generators.Tests;

/// <summary>
/// 1,000 mutated experiment files (fixed seed): the generator never throws (no PL0099), every error sits
/// inside its file on a non-empty span, and whatever it accepts compiles and passes the runtime's own checks.
/// </summary>
public class FuzzTests
{
    const int Mutants = 1000;

    /// <summary>Fixed so failures reproduce; PIPELINE_FUZZ_SEED explores other documents.</summary>
    static int Seed => int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_FUZZ_SEED"), out int seed) ? seed : 20240301;

    static readonly string[] Tokens =
    [
        "-1", "0", "1", "1.5", "0.1", "abc", "[]", "{}", "~", "true", "1e309", ".nan", "'0.1'", "[0.1, 0.1]", "element",
        "column", "span", "feature", "latter_half", "[0, 1]", "hiddenkey", "baseline", "both", "none", "js_to_inference",
        "attention_weights", "output", "input", "&a 1", "*a", "!!str 3", "\"x\"", "[", "}", ": :", "- x",
    ];

    static readonly string[] Lines =
    [
        "  layers: [0, 1]", "    layers: latter_half", "    span_start: attention_guided", "    normalization: with_gradient",
        "compensation: {kind: none}", "compensation: {weight: 2}", "sweep: {rate: [0.1, 0.2]}", "sweep: {weight: [1]}",
        "sweep: {preset: [dropkey, hiddencut]}", "  pattern: feature", "  - {position: output, pattern: element, rate: 0.1}",
        "  rank_per_target: {key: 2}", "---", "name: other", "task: {format: csv}", "  rate: 0.3", "seeds: [3, 3]",
    ];

    const string Significant = ":-[]{}#'\"\n\t ,&*!|>%@`0a.";

    [Fact]
    public void Mutated_yaml_never_crashes_the_generator_and_every_error_is_located()
    {
        var corpus = GeneratorHarness.RepositoryFiles().Select(f => f.GetText()!.ToString())
            .Concat(FocusedCasesTests.Cases.Values).Concat(DiagnosticTests.Cases.Values).ToArray();
        var random = new Random(Seed);
        var compilation = GeneratorHarness.EmptyCompilation();
        var accepted = new List<SyntaxTree>();
        int invalid = 0;

        for (int i = 0; i < Mutants; i++)
        {
            string text = corpus[random.Next(corpus.Length)];
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++) text = Mutate(text, random);

            string file = $"m{i}.yaml";
            var driver = GeneratorHarness.CreateDriver(GeneratorHarness.Files((file, text))).RunGenerators(compilation);
            var result = driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            string context = $"mutant {i}:\n{text}\n---\n";
            Assert.False(result.Diagnostics.Any(d => d.Id == DiagnosticDescriptors.InternalError.Id), context + string.Join("\n", result.Diagnostics));

            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                invalid++;
                foreach (var error in errors)
                {
                    Assert.True(error.Location.IsInSource || error.Location.Kind == LocationKind.ExternalFile, context + error);
                    Assert.Equal(GeneratorHarness.PathOf(file), error.Location.GetLineSpan().Path);
                    var span = error.Location.SourceSpan;
                    Assert.True(span.End <= text.Length, context + error);
                    if (text.Length > 0) Assert.True(span.Length > 0, context + "empty span: " + error);
                }
                Assert.DoesNotContain(result.GeneratedSources, s => s.HintName != Emit.RegistryEmitter.HintName);
            }
            else
            {
                var source = Assert.Single(result.GeneratedSources, s => s.HintName != Emit.RegistryEmitter.HintName);
                // Each accepted mutant in its own namespace, so they compile side by side.
                string code = source.SourceText.ToString().Replace("namespace Pipeline.Experiments\n{", $"namespace Fuzz.M{i}\n{{\n    using Pipeline.Experiments;");
                accepted.Add(CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path: $"m{i}.g.cs"));
            }
        }

        Assert.True(invalid >= 100 && Mutants - invalid >= 50, $"{invalid} of {Mutants} mutants invalid: the mutations should make both kinds");
        // What the generator accepted compiles against Pipeline.Core and passes the runtime's validation.
        var all = GeneratorHarness.EmptyCompilation("FuzzAccepted").AddSyntaxTrees(accepted);
        using var stream = new MemoryStream();
        var emitted = all.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
        var context2 = new System.Runtime.Loader.AssemblyLoadContext("fuzz", isCollectible: true);
        var assembly = context2.LoadFromStream(new MemoryStream(stream.ToArray()));
        var experiments = assembly.GetTypes().Where(t => typeof(Experiments.IExperiment).IsAssignableFrom(t))
            .Select(t => (Experiments.IExperiment)Activator.CreateInstance(t)!).ToList();
        Assert.Equal(accepted.Count, experiments.Count);
        foreach (var experiment in experiments)
        {
            foreach (var variant in experiment.Variants)
            {
                Assert.True(variant.Dropout.Validate().Count == 0, $"{experiment.Name}/{variant.Variant}: {string.Join("; ", variant.Dropout.Validate())}");
                var lora = variant.Lora?.Validate().ToList() ?? [];
                Assert.True(lora.Count == 0, $"{experiment.Name}/{variant.Variant}: {string.Join("; ", lora)}");
            }
        }
        context2.Unload();
    }

    static string Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        int line = random.Next(lines.Count);
        switch (random.Next(10))
        {
            case 0 when text.Length > 0:
                return text.Remove(random.Next(text.Length), 1);
            case 1:
                return text.Insert(random.Next(text.Length + 1), Significant[random.Next(Significant.Length)].ToString());
            case 2 when lines.Count > 1:
                lines.RemoveAt(line);
                break;
            case 3:
                lines.Insert(line, lines[line]);
                break;
            case 4 when lines.Count > 1:
                int next = Math.Min(lines.Count - 1, line + 1);
                (lines[line], lines[next]) = (lines[next], lines[line]);
                break;
            case 5:
                lines[line] = random.Next(2) == 0 ? "  " + lines[line] : lines[line].TrimStart();
                break;
            case 6:
                int colon = lines[line].IndexOf(": ", StringComparison.Ordinal);
                if (colon >= 0) lines[line] = lines[line][..(colon + 2)] + Tokens[random.Next(Tokens.Length)];
                break;
            case 7:
                int end = lines[line].IndexOf(':');
                if (end > 2)
                {
                    int at = lines[line].Length - lines[line].TrimStart().Length + random.Next(Math.Max(1, end - (lines[line].Length - lines[line].TrimStart().Length)));
                    lines[line] = lines[line].Remove(Math.Min(at, end - 1), 1);
                }
                break;
            case 8 when text.Length > 0:
                return text[..random.Next(text.Length)];
            default:
                lines.Insert(line, Lines[random.Next(Lines.Length)]);
                break;
        }
        return string.Join("\n", lines);
    }
}
