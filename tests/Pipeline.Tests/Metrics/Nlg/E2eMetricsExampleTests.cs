using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// e2e-metrics' own example (example-inputs/devel-conc.txt and baseline-output.txt: the first 10 E2E development
/// instances and the baseline's outputs). Those files are third-party data this repository may not hold, so the
/// test reads them from a checkout of tuetschek/e2e-metrics named by PIPELINE_E2E_METRICS_DIR; without one it
/// reports Skipped — for that licensing reason only. The expected figures are what
/// the e2e-metrics code at 1b9c4d87fd0bbb171ea966741cdc012588581ed4 gives for them (measure_scores.py -p for BLEU
/// and NIST, its pycocoevalcap for ROUGE-L and CIDEr; its README publishes no figures), and TER is sacrebleu's.
/// </summary>
public class E2eMetricsExampleTests
{
    [SkippableFact]
    public void The_e2e_metrics_example_scores_as_e2e_metrics_when_PIPELINE_E2E_METRICS_DIR_is_set()
    {
        string? checkout = Environment.GetEnvironmentVariable("PIPELINE_E2E_METRICS_DIR");
        Skip.If(string.IsNullOrEmpty(checkout),
            "e2e-metrics' example data may not be committed here; set PIPELINE_E2E_METRICS_DIR to a checkout of tuetschek/e2e-metrics to run this test.");
        string inputs = Path.Combine(checkout, "example-inputs");
        var hypotheses = File.ReadAllLines(Path.Combine(inputs, "baseline-output.txt")).Select(l => l.Trim()).ToList();
        var references = File.ReadAllText(Path.Combine(inputs, "devel-conc.txt")).Trim().Split("\n\n")
            .Select(block => (IReadOnlyList<string>)[.. block.Split('\n').Select(l => l.Trim())]).ToList();

        var scores = NlgScorer.Score(hypotheses, references, NlgScorer.Names);

        Assert.Equal(0.7202928494322162, scores["bleu"], 1e-4);
        Assert.Equal(7.788887609555574, scores["nist"], 1e-4);
        Assert.Equal(0.7909526131515365, scores["rouge-l"], 1e-6);
        Assert.Equal(2.303943135258847, scores["cider"], 1e-6);
        Assert.Equal(48 / 141.23678783678784, scores["ter"], 1e-6);
    }
}
