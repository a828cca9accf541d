using System.Diagnostics;
using Pipeline.Cli.Progress;
using Spectre.Console;

namespace Pipeline.Cli.Sweeps;

/// <summary>Where a run of a parallel sweep stands.</summary>
enum RunStatus { Pending, Running, Complete, Done, Failed, Interrupted }

/// <summary>What the sweep knows about one run, from its child's progress events.</summary>
sealed class RunState(SweepRun run)
{
    public SweepRun Run { get; } = run;
    public RunStatus Status { get; set; } = RunStatus.Pending;
    public string? Device { get; set; }
    public int? Epoch { get; set; }
    public int? Epochs { get; set; }
    public int Step { get; set; }
    public int TotalSteps { get; set; }
    public string? Primary { get; set; }
    public double? Best { get; set; }
    public int? ExitCode { get; set; }
    public string[] LastLines { get; set; } = [];

    /// <summary>When this attempt started and at which step (a resumed run starts past 0).</summary>
    public Stopwatch Clock { get; } = new();
    public int FirstStep { get; set; } = -1;

    /// <summary>The share of the run's steps this attempt trained: 1 for a whole run, less for a resumed or interrupted one.</summary>
    public double Trained => FirstStep < 0 || TotalSteps == 0 ? 0 : (double)(Step - FirstStep) / TotalSteps;

    /// <summary>The remaining time at the pace of this attempt's steps so far (training only; evaluation adds to it).</summary>
    public TimeSpan? Eta
    {
        get
        {
            int done = Step - FirstStep;
            if (Status != RunStatus.Running || FirstStep < 0 || done <= 0) return null;
            return Clock.Elapsed / done * (TotalSteps - Step);
        }
    }
}

/// <summary>
/// <c>pipeline sweep NAME --jobs N</c>: the sweep's runs as child processes (<c>pipeline run … --progress json</c>),
/// N at a time. Each child gets <c>OMP_NUM_THREADS</c> threads (the machine's cores divided between the jobs by
/// default) and a device (one for all, or round-robin over <c>--devices</c>). What a child prints goes to the run's
/// log (<c>&lt;variant&gt;/seed-&lt;n&gt;.log</c>); its progress events feed a live table on a terminal, plain lines
/// otherwise. A failing run is reported and the others go on. On Ctrl-C or SIGTERM the children are killed: each run
/// is then complete or resumable from its last epoch checkpoint, and the next sweep resumes it. A run's result does
/// not depend on the number of jobs or threads (libtorch's CPU kernels give the same bits at any thread count here;
/// tested).
/// </summary>
sealed class LocalSweep(IReadOnlyList<SweepRun> runs, int jobs, int threadsPerRun, IReadOnlyList<string?> devices)
{
    readonly List<RunState> states = runs.Select(r => new RunState(r)).ToList();
    readonly Lock gate = new();
    readonly bool interactive = TrainingProgress.Interactive;

    public IReadOnlyList<RunState> States => states;

    /// <summary>How long the sweep has run; with <see cref="RunState.Trained"/>, its throughput.</summary>
    public Stopwatch Clock { get; } = new();

    public async Task<IReadOnlyList<RunState>> ExecuteAsync(CancellationToken cancel)
    {
        Clock.Start();
        foreach (var state in states.Where(s => s.Run.Store.IsComplete))
            state.Status = RunStatus.Complete;
        var queue = new Queue<RunState>(states.Where(s => s.Status == RunStatus.Pending));
        Console.WriteLine($"{queue.Count} run(s) to train, {states.Count - queue.Count} already complete; {jobs} at a time, {threadsPerRun} CPU thread(s) each");

        var workers = Enumerable.Range(0, jobs).Select(slot => Task.Run(async () =>
        {
            while (!cancel.IsCancellationRequested)
            {
                RunState? next;
                lock (gate) queue.TryDequeue(out next);
                if (next is null) return;
                try
                {
                    await TrainAsync(next, devices[slot % devices.Count], cancel);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The child could not be started or read (e.g. the CLI moved): this run fails, the others go on.
                    lock (gate) (next.Status, next.LastLines) = (RunStatus.Failed, [e.Message]);
                    Say($"FAILED {next.Run.Title}: {e.Message}");
                }
            }
        })).ToList();

        if (interactive)
            await AnsiConsole.Live(Table()).AutoClear(false).StartAsync(async context =>
            {
                while (!Task.WhenAll(workers).IsCompleted)
                {
                    context.UpdateTarget(Table());
                    await Task.WhenAny(Task.WhenAll(workers), Task.Delay(500));
                }
                context.UpdateTarget(Table());
            });
        await Task.WhenAll(workers);

        foreach (var state in states.Where(s => s.Status == RunStatus.Pending && cancel.IsCancellationRequested))
            state.Status = RunStatus.Interrupted;
        Clock.Stop();
        return states;
    }

    async Task TrainAsync(RunState state, string? device, CancellationToken cancel)
    {
        var run = state.Run;
        var start = new ProcessStartInfo
        {
            FileName = SelfCommand.Prefix()[0],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in SelfCommand.Prefix().Skip(1).Concat(run.RunArguments(device)).Append("--progress").Append("json"))
            start.ArgumentList.Add(argument);
        start.Environment["OMP_NUM_THREADS"] = threadsPerRun.ToString();
        start.Environment["MKL_NUM_THREADS"] = threadsPerRun.ToString();
        start.Environment["DOTNET_NOLOGO"] = "1";

        Directory.CreateDirectory(Path.GetDirectoryName(run.LogFile)!);
        await using var log = new StreamWriter(run.LogFile, append: true) { AutoFlush = true };
        var tail = new Queue<string>();
        void Line(string? line)
        {
            if (line is null) return;
            lock (gate)
            {
                if (ProgressEvent.Parse(line) is { } e) Observe(state, e);
                else
                {
                    log.WriteLine(line);
                    tail.Enqueue(line);
                    if (tail.Count > 8) tail.Dequeue();
                }
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        lock (gate)
        {
            log.WriteLine($"# {DateTime.UtcNow:u} pipeline {string.Join(' ', run.RunArguments(device))} (OMP_NUM_THREADS={threadsPerRun})");
            process.Start();
            state.Status = RunStatus.Running;
            state.Device = device;
            state.Clock.Start();
        }
        Say($"started {run.Title}{(device is null ? "" : $" on {device}")} (pid {process.Id}); log: {run.LogFile}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await process.WaitForExitAsync(cancel);
            process.WaitForExit(); // the last output lines
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            lock (gate) state.Status = RunStatus.Interrupted;
            return;
        }

        lock (gate)
        {
            state.ExitCode = process.ExitCode;
            state.LastLines = tail.ToArray();
            state.Status = process.ExitCode == 0 && run.Store.IsComplete ? RunStatus.Done : RunStatus.Failed;
        }
        if (state.Status == RunStatus.Done)
            Say($"finished {run.Title}: best dev {state.Primary} {state.Best:F4} in {state.Clock.Elapsed:hh\\:mm\\:ss}");
        else
            Say($"FAILED {run.Title} (exit code {process.ExitCode}); last lines of {run.LogFile}:" + Environment.NewLine +
                string.Join(Environment.NewLine, state.LastLines.Select(l => "  | " + l)));
    }

    void Observe(RunState state, ProgressEvent e)
    {
        state.Step = e.Step;
        state.TotalSteps = e.TotalSteps;
        switch (e.Event)
        {
            case "started":
                state.FirstStep = e.Step;
                state.Epoch = e.Epoch;
                state.Epochs = e.Epochs;
                break;
            case "evaluated":
                state.Epoch = e.Epoch;
                state.Primary = e.Primary;
                if (e.Improved == true) state.Best = e.Score;
                Say($"{state.Run.Title}: epoch {e.Epoch}/{state.Epochs}, dev {e.Primary} {e.Score:F4}{(e.Improved == true ? " (best)" : "")}");
                break;
        }
    }

    /// <summary>A line for a log reader; on a terminal the live table shows it instead (failures print either way).</summary>
    void Say(string line)
    {
        if (!interactive || line.StartsWith("FAILED", StringComparison.Ordinal))
            lock (gate) Console.WriteLine(line);
    }

    Table Table()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("run", "variant", "seed", "device", "status", "epoch", "best dev", "ETA");
        lock (gate)
            foreach (var s in states)
            {
                string status = s.Status switch
                {
                    RunStatus.Running => s.TotalSteps > 0 ? $"[blue]{100 * s.Step / s.TotalSteps}%[/]" : "[blue]starting[/]",
                    RunStatus.Done => "[green]done[/]",
                    RunStatus.Complete => "[green]complete[/]",
                    RunStatus.Failed => $"[red]failed ({s.ExitCode})[/]",
                    RunStatus.Interrupted => "[yellow]interrupted[/]",
                    _ => "[grey]pending[/]",
                };
                table.AddRow(
                    Markup.Escape(s.Run.Experiment), Markup.Escape(s.Run.Variant), s.Run.Seed.ToString(), Markup.Escape(s.Device ?? "-"), status,
                    s.Epoch is int epoch ? $"{epoch}/{s.Epochs}" : "-",
                    s.Best is double best ? $"{best:F4}" : "-",
                    s.Eta is TimeSpan eta ? eta.ToString(@"hh\:mm\:ss") : "-");
            }
        return table;
    }
}
