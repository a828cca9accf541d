using System.CommandLine;
using Pipeline.Cli.Sweeps;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline sweep NAME</c>: every grid variant × every seed. Complete runs are skipped and interrupted
/// ones resumed, so a sweep can be stopped and started again at will. One run at a time in this process, or
/// <c>--jobs N</c> child processes at once (<see cref="LocalSweep"/>), or the tasks of a Slurm array job
/// (<c>--slurm</c>, followed with <c>--status</c>; <see cref="SlurmSweep"/>).
/// </summary>
static class SweepCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The experiment's name (see 'pipeline list')." };
        var options = new RunOptions();
        var jobs = new Option<int>("--jobs", "-j")
        {
            Description = "Runs at once, each a child process (without --jobs: one after another in this process).",
            DefaultValueFactory = _ => 1,
        };
        var threads = new Option<int?>("--threads") { Description = "CPU threads per run under --jobs (default: the machine's cores divided by the jobs, at least 1)." };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds to run instead of the experiment's, comma-separated, e.g. 1,2,3,4,5." };
        var devices = new Option<string?>("--devices") { Description = "Under --jobs, a comma-separated list the runs go round-robin over, e.g. cuda:0,cuda:1 (instead of --device)." };
        var slurm = new SlurmOptions();
        var command = new Command("sweep", "Run every variant of an experiment's sweep grid with every seed; finished runs are skipped, interrupted ones resumed.")
        {
            name, options.Device, options.Out, options.Force, seeds, jobs, threads, devices,
        };
        foreach (var option in slurm.All) command.Options.Add(option);
        command.SetAction(async (result, cancel) =>
        {
            var experiment = ShowCommand.Resolve(result.GetValue(name)!);
            if (slurm.Requested(result))
            {
                if (result.GetResult(jobs) is { Implicit: false } || result.GetValue(threads) is not null || result.GetValue(devices) is not null || result.GetValue(options.Force))
                    throw new ArgumentException("--jobs, --threads, --devices and --force are for sweeps on this machine, not --slurm or --status " +
                                                "(under --slurm: --max-parallel, and e.g. --sbatch-arg=--cpus-per-task=8)");
                return slurm.Execute(result, experiment, result.GetValue(options.Out)!, Seeds(result.GetValue(seeds)), result.GetValue(options.Device));
            }
            var plan = SweepPlan.For(experiment, result.GetValue(options.Out)!, Seeds(result.GetValue(seeds)));
            int parallel = result.GetValue(jobs);
            if (parallel < 1) throw new ArgumentException($"--jobs must be at least 1, not {parallel}");
            Console.WriteLine($"{experiment.Name}: {plan.Select(r => r.Variant).Distinct().Count()} variant(s) × seeds = {plan.Count} run(s)");
            if (result.GetResult(jobs) is not { Implicit: false } && result.GetValue(threads) is null && result.GetValue(devices) is null)
                return Sequential(experiment, plan, options, result, cancel);

            if (result.GetValue(options.Force))
                throw new ArgumentException("--force cannot be combined with --jobs: remove the runs to redo, or force them one by one with 'pipeline run --force'");
            var deviceList = Devices(result.GetValue(devices), result.GetValue(options.Device));
            int perRun = result.GetValue(threads) ?? Math.Max(1, Environment.ProcessorCount / parallel);
            if (perRun < 1) throw new ArgumentException($"--threads must be at least 1, not {perRun}");
            var sweep = new LocalSweep(plan, parallel, perRun, deviceList);
            var states = await sweep.ExecuteAsync(cancel);
            return Summarise(experiment.Name, states, sweep.Clock.Elapsed);
        });
        return command;
    }

    static int Sequential(Experiments.IExperiment experiment, IReadOnlyList<SweepRun> plan, RunOptions options, ParseResult result, CancellationToken cancel)
    {
        var outcomes = new List<RunOutcome>();
        foreach (var run in plan)
        {
            // A sweep always resumes what an earlier sweep left unfinished.
            var request = options.Request(result, run.Seed) with { Resume = true };
            outcomes.Add(RunCommand.Execute(ShowCommand.Variant(experiment, run.Variant), request, cancel));
        }

        int ran = outcomes.Count(o => !o.Skipped);
        Console.WriteLine($"{experiment.Name}: {ran} run(s) trained, {outcomes.Count - ran} already complete");
        Console.WriteLine($"{"variant",-32} {"seed",5} {"best dev",9} {"epoch",6}");
        foreach (var o in outcomes)
            Console.WriteLine($"{o.Metrics.Variant,-32} {o.Metrics.Seed,5} {o.Metrics.Best.Score,9:F4} {o.Metrics.Best.Epoch,6}");
        return 0;
    }

    static IReadOnlyList<int>? Seeds(string? list)
    {
        if (list is null) return null;
        var seeds = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int seed) ? seed : throw new ArgumentException($"--seeds '{list}': '{s}' is not a whole number; write e.g. 1,2,3"))
            .ToList();
        if (seeds.Count == 0 || seeds.Distinct().Count() != seeds.Count)
            throw new ArgumentException($"--seeds '{list}' must list distinct seeds, e.g. 1,2,3");
        return seeds;
    }

    /// <summary>The devices the jobs go round-robin over: <c>--devices</c>, else the one <c>--device</c> (or the experiment's).</summary>
    static IReadOnlyList<string?> Devices(string? list, string? device)
    {
        if (list is null) return [device];
        if (device is not null) throw new ArgumentException("give --device or --devices, not both");
        var devices = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (devices.Length == 0) throw new ArgumentException($"--devices '{list}' names no device; write e.g. cuda:0,cuda:1");
        return devices;
    }

    /// <summary>The end of a parallel sweep: counts, the failures, and the table of every run's best dev score.</summary>
    static int Summarise(string experiment, IReadOnlyList<RunState> states, TimeSpan elapsed)
    {
        int Count(RunStatus s) => states.Count(r => r.Status == s);
        Console.WriteLine($"{experiment}: {Count(RunStatus.Done)} run(s) trained, {Count(RunStatus.Complete)} already complete, " +
                          $"{Count(RunStatus.Failed)} failed, {Count(RunStatus.Interrupted) + Count(RunStatus.Pending)} interrupted or not started");
        Console.WriteLine($"{"variant",-32} {"seed",5} {"best dev",9} {"epoch",6}  status");
        foreach (var s in states)
        {
            var store = s.Run.Store;
            string score = "", epoch = "";
            if (store.IsComplete)
            {
                var m = store.ReadMetrics();
                (score, epoch) = (m.Best.Score.ToString("F4"), m.Best.Epoch.ToString());
            }
            string status = store.IsComplete ? "complete"
                : s.Status == RunStatus.Failed ? $"failed (exit code {s.ExitCode}; {s.Run.LogFile})"
                : store.HasCheckpoint ? "interrupted (resumes from its last epoch)"
                : "not started";
            Console.WriteLine($"{s.Run.Variant,-32} {s.Run.Seed,5} {score,9} {epoch,6}  {status}");
        }
        // Throughput: whole runs, plus the share of its steps an interrupted or resumed run trained here.
        double trained = states.Sum(s => s.Trained);
        if (trained > 0)
            Console.WriteLine($"throughput: {trained / elapsed.TotalHours:F2} runs/hour ({trained:F2} run(s) of training steps in {elapsed:hh\\:mm\\:ss})");
        if (states.Any(s => s.Status is RunStatus.Interrupted or RunStatus.Pending)) return 130;
        return states.Any(s => s.Status == RunStatus.Failed) ? CommandRunner.Failure : 0;
    }
}
