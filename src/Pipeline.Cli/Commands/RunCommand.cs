using System.CommandLine;
using Pipeline.Cli.Progress;
using Pipeline.Experiments;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline run NAME</c>: trains one variant of an experiment, for each of its seeds (or one).</summary>
static class RunCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The experiment's name (see 'pipeline list')." };
        var seed = new Option<int?>("--seed") { Description = "Run only this seed (default: every seed the experiment lists)." };
        var variant = new Option<string?>("--variant") { Description = "A variant of its sweep grid, e.g. 'rate=0.1,weight=1' (default: 'default')." };
        var progress = new Option<string>("--progress")
        {
            Description = "auto: a live bar on a terminal, log lines otherwise; json: '@progress {…}' event lines on stdout, for a program driving the run (pipeline sweep --jobs).",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong("auto", "json");
        var options = new RunOptions();
        var command = new Command("run", "Fine-tune an experiment's variant and write its run folders (runs/<experiment>/<variant>/seed-<n>/).")
        {
            name, seed, variant, options.Device, options.Out, options.Resume, options.Force, progress,
        };
        command.SetAction((result, cancel) =>
        {
            var experiment = ShowCommand.Resolve(result.GetValue(name)!);
            var definition = ShowCommand.Variant(experiment, result.GetValue(variant));
            var seeds = result.GetValue(seed) is int one ? [one] : definition.Seeds;
            bool json = result.GetValue(progress) == "json";
            foreach (int s in seeds)
                Execute(definition, options.Request(result, s), cancel, json);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Runs one variant and seed with progress output, and prints where its results are.</summary>
    public static RunOutcome Execute(ExperimentDefinition definition, RunRequest request, CancellationToken cancel, bool jsonProgress = false)
    {
        string title = $"{definition.Name} [{definition.Variant}] seed {request.Seed}";
        if (definition.Model.Path is null) PretrainCommand.EnsurePretrained(definition.Model.Name, request.Device ?? definition.Training.Device);
        var outcome = TrainingProgress.Run(title, observer =>
            ExperimentRunner.Run(definition, request, observer, line => TrainingProgress.Log($"{title}: {line}"), cancel), jsonProgress);
        var m = outcome.Metrics;
        string test = string.Join(", ", m.Test.Select(t => $"{t.Key} {t.Value:F4}"));
        Console.WriteLine(outcome.Skipped
            ? $"{title}: already complete in {outcome.Directory} (best dev {m.Primary} {m.Best.Score:F4}); --force runs it again"
            : $"{title}: best dev {m.Primary} {m.Best.Score:F4} at epoch {m.Best.Epoch}; test {test}; {m.WallSeconds:F0} s → {outcome.Directory}");
        return outcome;
    }
}

/// <summary>The options <c>run</c> and <c>sweep</c> share.</summary>
sealed class RunOptions
{
    public Option<string?> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N (default: the experiment's, else CUDA when available)." };
    public Option<string> Out { get; } = new("--out") { Description = "The runs folder.", DefaultValueFactory = _ => "runs" };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue an interrupted run from its last epoch checkpoint." };
    public Option<bool> Force { get; } = new("--force") { Description = "Start over, even where a run is complete or partial." };

    public RunRequest Request(ParseResult result, int seed) =>
        new(result.GetValue(Out)!, seed, result.GetValue(Device), result.GetValue(Resume), result.GetValue(Force));
}
