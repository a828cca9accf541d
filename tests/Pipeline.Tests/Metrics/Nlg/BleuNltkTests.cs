using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// BLEU against NLTK's corpus_bleu (Debian's python3-nltk, which .ci/run installs), computed at run time on the
/// same tokens. The two agree where pymteval and NLTK define BLEU alike: every hypothesis has at least four tokens
/// (pymteval counts len − n + 1 n-grams even when negative, NLTK at least one) and every order has a hit.
/// </summary>
public class BleuNltkTests
{
    const string Python = "/usr/bin/python3";
    const string Install = "apt-get install -y --no-install-recommends python3-nltk";

    const string Script = """
        import json, sys
        from nltk.translate.bleu_score import corpus_bleu
        data = json.load(open(sys.argv[1], encoding='utf-8'))
        print(repr(corpus_bleu(data['references'], data['hypotheses'])))
        """;

    [Fact]
    public void Bleu_equals_NLTK_corpus_bleu_on_the_same_lower_cased_mteval_tokens()
    {
        var keep = Enumerable.Range(0, NlgTestData.Hypotheses.Length)
            .Where(i => MtevalTokenizer.Tokenize(NlgTestData.Hypotheses[i]).Length >= 4).ToList();
        Assert.True(keep.Count >= 9);
        IReadOnlyList<IReadOnlyList<string>> hypotheses = [.. keep.Select(i => Lower(MtevalTokenizer.Tokenize(NlgTestData.Hypotheses[i])))];
        IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> references =
            [.. keep.Select(i => (IReadOnlyList<IReadOnlyList<string>>)[.. NlgTestData.References[i].Select(r => Lower(MtevalTokenizer.Tokenize(r)))])];

        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("tokens.json"), JsonSerializer.Serialize(new { hypotheses, references }));
        File.WriteAllText(dir.File("bleu.py"), Script);
        double nltk = RunNltk(dir.File("bleu.py"), dir.File("tokens.json"));

        Assert.Equal(nltk, Bleu.ScoreTokens(hypotheses, references), 1e-6);
    }

    static IReadOnlyList<string> Lower(string[] tokens) => [.. tokens.Select(t => t.ToLowerInvariant())];

    static double RunNltk(string script, string input)
    {
        Assert.True(File.Exists(Python), $"this test needs Debian's {Python} with NLTK: {Install}");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(input);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "NLTK's corpus_bleu did not finish in a minute");
        Assert.False(errors.Contains("No module named 'nltk'"), $"NLTK is missing for {Python}; install it: {Install}");
        Assert.True(process.ExitCode == 0, $"{Python} {script} failed: {errors}");
        return double.Parse(output.Result.Trim(), CultureInfo.InvariantCulture);
    }
}
