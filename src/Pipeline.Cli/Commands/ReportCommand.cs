using System.CommandLine;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline report</c>: every experiment variant's complete runs, median over seeds (as the paper reports).</summary>
static class ReportCommand
{
    public static Command Create()
    {
        var experiment = new Argument<string?>("experiment") { Description = "Only this experiment (default: all).", Arity = ArgumentArity.ZeroOrOne };
        var runs = new Option<string[]>("--out")
        {
            Description = "The runs folder, or a run summary file written by --export; repeat it to report several as one (a run in two is an error).",
            DefaultValueFactory = _ => ["runs"],
        };
        var format = new Option<string>("--format")
        {
            Description = "text: tables on the terminal; markdown: report.md with figures (PNG, and the CSV of each) in --output.",
            DefaultValueFactory = _ => "text",
        }.AcceptOnlyFromAmong("text", "markdown");
        var output = new Option<string?>("--output") { Description = "The folder --format markdown writes report.md and figures/ to (default: report)." };
        var export = new Option<string?>("--export") { Description = "Also write every complete run's compact summary (history, scores, per-example test predictions) to this JSON file; --out FILE reads it back." };
        var json = JsonReport.Option();
        var baseline = new Option<string?>("--baseline")
        {
            Description = "Compare every other experiment's best variant with this experiment's on the test split: paired bootstrap over the test examples, Wilcoxon and sign tests over the seeds.",
        };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples (seeded, so the report is deterministic).", DefaultValueFactory = _ => 10_000 };
        var command = new Command("report", "Summarise the complete runs: per experiment and variant, the median over seeds of the best dev score, test score and losses.")
        {
            experiment, runs, json, baseline, resamples, format, output, export,
        };
        command.SetAction(parse =>
        {
            string[] sources = parse.GetValue(runs)!;
            if (parse.GetValue(baseline) is not null && parse.GetValue(experiment) is not null)
                throw new ArgumentException("--baseline compares experiments: leave out the experiment argument");
            var report = RunReport.Collect(sources, parse.GetValue(experiment));
            var significance = parse.GetValue(baseline) is { } baselineName
                ? SignificanceReport.Against(report, baselineName, parse.GetValue(resamples)) : null;
            if (parse.GetValue(format) == "markdown")
            {
                string written = Reports.MarkdownReport.Write(report, significance, parse.GetValue(output) ?? "report", string.Join("` + `", sources));
                Console.WriteLine($"wrote {written} and its figures ({report.Runs.Count} run(s))");
            }
            else
            {
                Print(report);
                if (significance is not null) Print(significance);
            }
            if (parse.GetValue(export) is { } summary)
            {
                RunReport.Export(report, summary);
                Console.WriteLine($"wrote {summary} ({report.Runs.Count} run(s); 'pipeline report --out {summary}' reads it)");
            }
            JsonReport.WriteIfAsked(parse.GetValue(json), report);
            return 0;
        });
        return command;
    }

    /// <summary>"lora 37,634" or "full 22,713,986": what the variant's runs trained, and how many parameters.</summary>
    static string Trains(Lora.ParameterCounts parameters) => $"{(parameters.IsFullFineTuning ? "full" : "lora")} {parameters.Trainable:N0}";

    static void Print(RunReportResult report)
    {
        if (report.Variants.Count == 0)
            Console.WriteLine("no complete runs yet ('pipeline run NAME' or 'pipeline sweep NAME' writes them)");
        else
        {
            Console.WriteLine($"{"experiment",-30} {"variant",-24} {"seeds",-10} {"metric",-9} {"dev (median)",12} {"mean ± std",17} {"test",7} {"epoch",6} {"train loss",10} {"dev loss",9} {"trains"}");
            // A dataset axis makes tasks, not a grid: the best variant is marked per experiment and task.
            var best = report.Variants.GroupBy(v => (v.Experiment, v.Dataset)).Where(g => g.Count() > 1).Select(RunReport.Best).ToHashSet();
            foreach (var group in report.Variants.GroupBy(v => v.Experiment))
            {
                foreach (var v in group)
                {
                    string name = best.Contains(v) ? v.Variant + " *" : v.Variant;
                    Console.WriteLine($"{v.Experiment,-30} {name,-24} {string.Join(",", v.Seeds),-10} {v.Primary,-9} {v.MedianBestDev,12:F4} " +
                        $"{$"{v.MeanBestDev:F4} ± {v.StdBestDev:F4}",17} {(v.MedianTest is { } t ? t.ToString("F4") : "–"),7} " +
                        $"{v.MedianBestEpoch,6:0.#} {v.MedianFinalTrainLoss,10:F3} {v.MedianFinalDevLoss,9:F3} {Trains(v.Parameters)}");
                }
            }
            Console.WriteLine("medians over seeds; dev = each run's best evaluation, test at its weights; losses at the last epoch; " +
                "trains = LoRA (adapters + head) or full fine-tuning, trainable parameters; * = best variant on its task");
        }
        foreach (string directory in report.Incomplete)
            Console.WriteLine($"not complete: {directory} (still running, or interrupted: 'run … --resume' or 'sweep' continues it)");
    }

    static void Print(SignificanceResult result)
    {
        int resamples = result.Rows.FirstOrDefault()?.Bootstrap.Resamples ?? 0;
        Console.WriteLine();
        Console.WriteLine($"significance against {string.Join(", ", result.Baselines.Select(b => $"{b.Experiment} [{b.Variant}] on {b.Dataset}"))}; " +
                          "Δ = method − baseline on the test split (pooled test examples of the common seeds)");
        Console.WriteLine($"{"experiment",-30} {"variant",-24} {"task",-18} {"metric",-9} {"seeds",-10} {"Δ test",8} {"95% CI",19} {"p boot",7} {"p Wilcoxon",10} {"p sign",7}");
        foreach (var r in result.Rows)
            Console.WriteLine($"{r.Experiment,-30} {r.Variant,-24} {r.Dataset,-18} {r.Metric,-9} {string.Join(",", r.Seeds),-10} {r.Bootstrap.Difference,8:+0.0000;-0.0000;0.0000} " +
                $"{$"[{r.Bootstrap.Low:+0.0000;-0.0000;0.0000}, {r.Bootstrap.High:+0.0000;-0.0000;0.0000}]",19} {r.Bootstrap.PValue,7:F4} {r.Wilcoxon,10:F4} {r.Sign,7:F4}");
        foreach (string line in result.Skipped)
            Console.WriteLine($"not compared: {line}");
        Console.WriteLine($"p boot: paired bootstrap over the test examples ({resamples:N0} resamples, seeded), two-sided; p Wilcoxon / p sign: exact two-sided " +
            $"tests of the per-seed test differences ({Pipeline.Reports.MarkdownReport.SmallestSeedP(result.Rows)}); each method at its best variant on dev, per task");
    }
}
