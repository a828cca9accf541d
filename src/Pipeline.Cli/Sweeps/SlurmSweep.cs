using Pipeline.Data.Fetching;
using Pipeline.Runs;
using Pipeline.Storage;

namespace Pipeline.Cli.Sweeps;

/// <summary>One <c>sbatch</c> of a sweep as <c>jobs.json</c> records it: array task <c>i</c> trains <c>Runs[i]</c>.</summary>
sealed record SlurmSubmission(long JobId, DateTime Submitted, string Script, string Manifest, IReadOnlyList<SlurmTask> Runs);

/// <summary>The run an array task trains.</summary>
sealed record SlurmTask(string Variant, int Seed);

/// <summary>What <c>jobs.json</c> holds: every submission of the sweep, oldest first.</summary>
sealed record SlurmJobs(IReadOnlyList<SlurmSubmission> Submissions);

/// <summary>Where a run of a Slurm sweep stands: its folder first, then the queue, then the submissions.</summary>
enum SlurmRunStatus { Complete, Running, Pending, Failed, NotSubmitted }

/// <summary>
/// <c>pipeline sweep NAME --slurm</c> and <c>--status</c>: the sweep's runs as the tasks of Slurm array jobs. Each
/// submission writes <c>&lt;out&gt;/&lt;experiment&gt;/slurm/array-&lt;n&gt;.tsv</c> (the manifest) and
/// <c>array-&lt;n&gt;.sh</c> (<see cref="SlurmScript"/>), submits the script with <c>sbatch</c> and records the job
/// in <c>jobs.json</c>. A submission's files are never rewritten, since its queued tasks read their manifest lines
/// when they start. A run is submitted again only when it is neither complete nor waiting or running in the queue,
/// so a failed, cancelled or timed-out run goes into the next submission (and resumes from its last checkpoint).
/// </summary>
sealed class SlurmSweep(string experiment, string outputRoot, IReadOnlyList<SweepRun> plan)
{
    /// <summary>Where the submissions' files go: <c>&lt;out&gt;/&lt;experiment&gt;/slurm/</c>.</summary>
    public string Folder { get; } = Path.Combine(outputRoot, RunStore.Safe(experiment), "slurm");

    string JobsFile => Path.Combine(Folder, "jobs.json");

    /// <summary>Submits the runs still needed as one array job (or, with <paramref name="dryRun"/>, writes its files and shows the command).</summary>
    public int Submit(SlurmSettings settings, IReadOnlyList<string> sbatchArguments, bool dryRun)
    {
        var jobs = ReadJobs();
        var statuses = Statuses(plan, jobs);
        var needed = plan.Where(run => statuses[run].Status is SlurmRunStatus.Failed or SlurmRunStatus.NotSubmitted).ToList();
        int complete = plan.Count(run => statuses[run].Status == SlurmRunStatus.Complete);
        Console.WriteLine($"{needed.Count} run(s) to submit, {complete} complete, {plan.Count - needed.Count - complete} waiting or running in Slurm");
        if (needed.Count == 0)
        {
            Console.WriteLine($"{experiment}: nothing to submit");
            return 0;
        }

        int number = jobs.Submissions.Count + 1;
        string manifest = Path.Combine(Folder, $"array-{number}.tsv");
        string script = Path.Combine(Folder, $"array-{number}.sh");
        AtomicFile.WriteAllText(manifest, SlurmScript.Manifest(needed));
        AtomicFile.WriteAllText(script, SlurmScript.Script(settings, manifest, Path.Combine(Folder, "slurm-%A_%a.out"), needed.Count));
        List<string> arguments = ["--parsable", .. sbatchArguments, script];
        Console.WriteLine($"wrote {manifest} and {script}");
        if (dryRun)
        {
            Console.WriteLine($"dry run; submit with: {ExternalTool.Describe("sbatch", arguments)}");
            return 0;
        }

        // --parsable prints "<job id>" or "<job id>;<cluster>".
        string answer = ExternalTool.Run("sbatch", arguments, SlurmQueue.Hint).Trim();
        if (!long.TryParse(answer.Split(';')[0], out long job))
            throw new ExternalToolException($"sbatch --parsable answered '{answer}', not a job id", ExternalTool.Describe("sbatch", arguments), 0);
        AtomicFile.WriteJson(JobsFile, new SlurmJobs([.. jobs.Submissions,
            new SlurmSubmission(job, DateTime.UtcNow, script, manifest, needed.Select(r => new SlurmTask(r.Variant, r.Seed)).ToList())]));
        Console.WriteLine($"submitted job {job}: {needed.Count} array task(s){(settings.MaxParallel is int k ? $", at most {k} at once" : "")}");
        Console.WriteLine($"follow it with: pipeline sweep {experiment} --status --out {SlurmScript.Quote(outputRoot)}");
        return 0;
    }

    /// <summary>
    /// Prints every run's status (the plan's runs and any other the submissions recorded, e.g. other seeds), the
    /// last lines of each failed run's log, and the counts.
    /// </summary>
    public int Status()
    {
        var jobs = ReadJobs();
        var recorded = jobs.Submissions.SelectMany(s => s.Runs).Select(t => new SweepRun(experiment, t.Variant, t.Seed, outputRoot));
        var runs = plan.Concat(recorded.Except(plan)).Distinct().ToList();
        var variants = runs.Select(r => r.Variant).Distinct().ToList();
        runs = runs.OrderBy(r => variants.IndexOf(r.Variant)).ToList(); // stable: the plan's seed order, then the others
        var statuses = Statuses(runs, jobs);

        Console.WriteLine($"{"variant",-32} {"seed",5} {"status",-13} {"slurm task",-12} {"best dev",9}");
        foreach (var run in runs)
        {
            var (status, task) = statuses[run];
            string best = status == SlurmRunStatus.Complete ? run.Store.ReadMetrics().Best.Score.ToString("F4") : "";
            Console.WriteLine($"{run.Variant,-32} {run.Seed,5} {Name(status),-13} {task ?? "-",-12} {best,9}");
            if (status == SlurmRunStatus.Failed)
                foreach (string line in LastLines(run.LogFile))
                    Console.WriteLine($"    | {line}");
        }
        int Count(SlurmRunStatus s) => statuses.Values.Count(v => v.Status == s);
        Console.WriteLine($"{experiment}: {runs.Count} run(s): {Count(SlurmRunStatus.Complete)} complete, {Count(SlurmRunStatus.Running)} running, " +
                          $"{Count(SlurmRunStatus.Pending)} pending, {Count(SlurmRunStatus.Failed)} failed, {Count(SlurmRunStatus.NotSubmitted)} not submitted");
        return 0;
    }

    /// <summary>
    /// Each run's status and its latest array task (<c>job_task</c>). Complete means <c>metrics.json</c> exists,
    /// whatever the queue says; failed means submitted, not complete and no longer queued.
    /// </summary>
    static Dictionary<SweepRun, (SlurmRunStatus Status, string? Task)> Statuses(IReadOnlyList<SweepRun> runs, SlurmJobs jobs)
    {
        var queue = SlurmQueue.Read(jobs.Submissions.Select(s => s.JobId).ToList());
        var result = new Dictionary<SweepRun, (SlurmRunStatus, string?)>();
        foreach (var run in runs)
        {
            var tasks = (from s in jobs.Submissions
                         let index = s.Runs.ToList().IndexOf(new SlurmTask(run.Variant, run.Seed))
                         where index >= 0
                         select (s.JobId, Index: index)).ToList();
            var queued = tasks.Where(t => queue.ContainsKey((t.JobId, t.Index))).ToList();
            var (job, task) = queued.Count > 0 ? queued[^1] : tasks.LastOrDefault();
            string? name = tasks.Count > 0 ? $"{job}_{task}" : null;
            result[run] = run.Store.IsComplete ? (SlurmRunStatus.Complete, name)
                : queued.Count > 0 ? (queue[(job, task)] == QueueState.Running ? SlurmRunStatus.Running : SlurmRunStatus.Pending, name)
                : tasks.Count > 0 ? (SlurmRunStatus.Failed, name)
                : (SlurmRunStatus.NotSubmitted, null);
        }
        return result;
    }

    SlurmJobs ReadJobs() => File.Exists(JobsFile) ? AtomicFile.ReadJson<SlurmJobs>(JobsFile) : new SlurmJobs([]);

    static string Name(SlurmRunStatus status) => status switch
    {
        SlurmRunStatus.NotSubmitted => "not submitted",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The end of a failed run's log (what it printed, appended by every attempt).</summary>
    static IEnumerable<string> LastLines(string log) =>
        File.Exists(log) ? File.ReadLines(log).TakeLast(8) : [$"(no log: {log}; see the slurm-<job>_<task>.out files beside jobs.json)"];
}
