using System.CommandLine;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline report</c>: every experiment variant's complete runs, median over seeds (as the paper reports).</summary>
static class ReportCommand
{
    public static Command Create()
    {
        var experiment = new Argument<string?>("experiment") { Description = "Only this experiment (default: all).", Arity = ArgumentArity.ZeroOrOne };
        var runs = new Option<string>("--out") { Description = "The runs folder.", DefaultValueFactory = _ => "runs" };
        var json = JsonReport.Option();
        var command = new Command("report", "Summarise the complete runs: per experiment and variant, the median over seeds of the best dev score, test score and losses.")
        {
            experiment, runs, json,
        };
        command.SetAction(parse =>
        {
            var report = RunReport.Collect(parse.GetValue(runs)!, parse.GetValue(experiment));
            Print(report);
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
            foreach (var group in report.Variants.GroupBy(v => v.Experiment))
            {
                bool several = group.Count() > 1;
                foreach (var (v, i) in group.Select((v, i) => (v, i)))
                {
                    string name = several && i == 0 ? v.Variant + " *" : v.Variant;
                    Console.WriteLine($"{v.Experiment,-30} {name,-24} {string.Join(",", v.Seeds),-10} {v.Primary,-9} {v.MedianBestDev,12:F4} " +
                        $"{$"{v.MeanBestDev:F4} ± {v.StdBestDev:F4}",17} {(v.MedianTest is { } t ? t.ToString("F4") : "–"),7} " +
                        $"{v.MedianBestEpoch,6:0.#} {v.MedianFinalTrainLoss,10:F3} {v.MedianFinalDevLoss,9:F3} {Trains(v.Parameters)}");
                }
            }
            Console.WriteLine("medians over seeds; dev = each run's best evaluation, test at its weights; losses at the last epoch; " +
                "trains = LoRA (adapters + head) or full fine-tuning, trainable parameters; * = best variant");
        }
        foreach (string directory in report.Incomplete)
            Console.WriteLine($"not complete: {directory} (still running, or interrupted: 'run … --resume' or 'sweep' continues it)");
    }
}
