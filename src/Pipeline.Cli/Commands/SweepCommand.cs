using System.CommandLine;
using Pipeline.Experiments;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline sweep NAME</c>: every grid variant × every seed. Complete runs are skipped and interrupted
/// ones resumed, so a sweep can be stopped and started again at will.
/// </summary>
static class SweepCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The experiment's name (see 'pipeline list')." };
        var options = new RunOptions();
        var command = new Command("sweep", "Run every variant of an experiment's sweep grid with every seed; finished runs are skipped, interrupted ones resumed.")
        {
            name, options.Device, options.Out, options.Force,
        };
        command.SetAction((result, cancel) =>
        {
            var experiment = ShowCommand.Resolve(result.GetValue(name)!);
            // The grid's points are every variant but "default" (the file as written); without a grid, run that one.
            var grid = experiment.Variants.Where(v => v.Variant != ExperimentDefinition.DefaultVariant).ToList();
            var variants = grid.Count > 0 ? grid : experiment.Variants.ToList();
            var jobs = variants.SelectMany(v => v.Seeds.Select(seed => (Variant: v, Seed: seed))).ToList();
            Console.WriteLine($"{experiment.Name}: {variants.Count} variant(s) × seeds = {jobs.Count} run(s)");

            var outcomes = new List<RunOutcome>();
            foreach (var (variant, seed) in jobs)
            {
                // A sweep always resumes what an earlier sweep left unfinished.
                var request = options.Request(result, seed) with { Resume = true };
                outcomes.Add(RunCommand.Execute(variant, request, cancel));
            }

            int ran = outcomes.Count(o => !o.Skipped);
            Console.WriteLine($"{experiment.Name}: {ran} run(s) trained, {outcomes.Count - ran} already complete");
            Console.WriteLine($"{"variant",-32} {"seed",5} {"best dev",9} {"epoch",6}");
            foreach (var o in outcomes)
                Console.WriteLine($"{o.Metrics.Variant,-32} {o.Metrics.Seed,5} {o.Metrics.Best.Score,9:F4} {o.Metrics.Best.Epoch,6}");
            return Task.FromResult(0);
        });
        return command;
    }
}
