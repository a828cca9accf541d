using System.CommandLine;
using Pipeline.Experiments;

namespace Pipeline.Cli.Sweeps;

/// <summary>
/// The options of <c>pipeline sweep NAME --slurm</c> (submit the runs as a Slurm array job) and <c>--status</c>
/// (where the submitted runs stand); see <see cref="SlurmSweep"/>.
/// </summary>
sealed class SlurmOptions
{
    public Option<bool> Slurm { get; } = new("--slurm") { Description = "Submit the runs not complete nor queued as one Slurm array job (sbatch)." };
    public Option<bool> Status { get; } = new("--status") { Description = "Show each run of a --slurm sweep: pending, running, complete, failed or not submitted." };
    public Option<string?> Partition { get; } = new("--partition") { Description = "Under --slurm, the partition (sbatch --partition)." };
    public Option<string?> Gres { get; } = new("--gres") { Description = "Under --slurm, generic resources per run, e.g. gpu:1 (sbatch --gres)." };
    public Option<string?> Time { get; } = new("--time") { Description = "Under --slurm, the time limit per run, e.g. 02:00:00 (sbatch --time)." };
    public Option<int?> MaxParallel { get; } = new("--max-parallel") { Description = "Under --slurm, at most this many runs at once (the array's %K)." };
    public Option<string[]> SbatchArguments { get; } = new("--sbatch-arg") { Description = "Under --slurm, another sbatch argument (repeatable), e.g. --sbatch-arg=--cpus-per-task=8." };
    public Option<string?> Cli { get; } = new("--cli") { Description = "Under --slurm, how a compute node starts pipeline, words separated by spaces (default: this very command; it must be on a shared file system)." };
    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Under --slurm, write the manifest and script and show the sbatch command without submitting." };

    public IEnumerable<Option> All => [Slurm, Status, Partition, Gres, Time, MaxParallel, SbatchArguments, Cli, DryRun];

    /// <summary>True under <c>--slurm</c> or <c>--status</c>; refuses the submission options without <c>--slurm</c>.</summary>
    public bool Requested(ParseResult result)
    {
        bool slurm = result.GetValue(Slurm), status = result.GetValue(Status);
        if (slurm && status) throw new ArgumentException("give --slurm (submit) or --status (show), not both");
        if (!slurm && All.Skip(2).FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } option)
            throw new ArgumentException($"{option.Name} goes with --slurm");
        return slurm || status;
    }

    /// <summary>Submits (<c>--slurm</c>) or shows (<c>--status</c>) the sweep of <paramref name="experiment"/> in <paramref name="outputRoot"/>.</summary>
    public int Execute(ParseResult result, IExperiment experiment, string outputRoot, IReadOnlyList<int>? seeds, string? device)
    {
        // Compute nodes may start in another folder: every path in the script and manifest is absolute.
        string root = Path.GetFullPath(outputRoot);
        var sweep = new SlurmSweep(experiment.Name, root, SweepPlan.For(experiment, root, seeds));
        if (result.GetValue(Status)) return sweep.Status();

        int? parallel = result.GetValue(MaxParallel);
        if (parallel < 1) throw new ArgumentException($"--max-parallel must be at least 1, not {parallel}");
        IReadOnlyList<string> cli = result.GetValue(Cli) is { } words
            ? words.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : SelfCommand.Prefix();
        if (cli.Count == 0) throw new ArgumentException("--cli names no program; write e.g. --cli \"/shared/pipeline/pipeline\"");
        var settings = new SlurmSettings($"pipeline-{experiment.Name}", cli, device,
            result.GetValue(Partition), result.GetValue(Gres), result.GetValue(Time), parallel);
        return sweep.Submit(settings, result.GetValue(SbatchArguments) ?? [], result.GetValue(DryRun));
    }
}
