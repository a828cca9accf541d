using System.Diagnostics;
using System.Text.Json;
using Pipeline.Training;
using Spectre.Console;

namespace Pipeline.Cli.Progress;

/// <summary>
/// Shows a training run: a live progress bar with the loss and the last dev metric on a terminal, plain log
/// lines (one per evaluation, and one every 10% of the steps) when the output is redirected, as in CI, and
/// <see cref="ProgressEvent"/> lines for a program that drives the run (<c>pipeline run --progress json</c>).
/// </summary>
static class TrainingProgress
{
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="train"/> with an observer that draws its progress (or reports it as JSON lines).</summary>
    public static T Run<T>(string title, Func<ITrainingObserver, T> train, bool json = false)
    {
        if (json)
            return train(new JsonLines());
        if (!Interactive)
            return train(new LogLines(title));

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context => result = train(new Bar(context.AddTask(Markup.Escape(title)), title)));
        return result;
    }

    /// <summary>A line above the live bar on a terminal, a plain line otherwise.</summary>
    public static void Log(string line)
    {
        if (Interactive) AnsiConsole.MarkupLine(Markup.Escape(line));
        else Console.WriteLine(line);
    }

    static string Describe(EpochRecord r) =>
        $"epoch {r.Epoch} step {r.Step}: train loss {r.TrainLoss:F4} (task {r.TaskLoss:F4}, consistency {r.ConsistencyLoss:F4}), " +
        $"dev loss {r.DevLoss:F4}, dev {string.Join(", ", r.Metrics.Select(m => $"{m.Key} {m.Value:F4}"))}, {r.Seconds:F0} s, {r.ResidentMegabytes:F0} MiB";

    sealed class Bar(ProgressTask task, string title) : ITrainingObserver
    {
        string last = "";

        public void Started(int step, int totalSteps, int epoch, int epochs)
        {
            task.MaxValue = totalSteps;
            task.Value = step;
        }

        public void Stepped(int step, double loss, double learningRate)
        {
            task.Value = step;
            task.Description = Markup.Escape($"{title}  loss {loss:F4}{last}");
        }

        public void Evaluated(EpochRecord record, bool improved)
        {
            last = $"  dev {record.Primary} {record.Score:F4}{(improved ? " *" : "")}";
            AnsiConsole.MarkupLine(Markup.Escape(Describe(record)) + (improved ? " [green](best)[/]" : ""));
        }

        public void Stopped(string reason) => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(reason)}[/]");
    }

    /// <summary>One <see cref="ProgressEvent"/> a line, at most one step event a second.</summary>
    sealed class JsonLines : ITrainingObserver
    {
        readonly Stopwatch sinceLast = Stopwatch.StartNew();
        int total;

        public void Started(int step, int totalSteps, int epoch, int epochs)
        {
            total = totalSteps;
            ProgressEvent.Write(new ProgressEvent("started", step, totalSteps, epoch, epochs));
        }

        public void Stepped(int step, double loss, double learningRate)
        {
            if (sinceLast.Elapsed < TimeSpan.FromSeconds(1) && step < total) return;
            sinceLast.Restart();
            ProgressEvent.Write(new ProgressEvent("step", step, total, Loss: loss));
        }

        public void Evaluated(EpochRecord record, bool improved) =>
            ProgressEvent.Write(new ProgressEvent("evaluated", record.Step, total, record.Epoch,
                Primary: record.Primary, Score: record.Score, Improved: improved));

        public void Stopped(string reason) => ProgressEvent.Write(new ProgressEvent("stopped", 0, total, Reason: reason));
    }

    sealed class LogLines(string title) : ITrainingObserver
    {
        int total, nextReport;

        public void Started(int step, int totalSteps, int epoch, int epochs)
        {
            total = totalSteps;
            nextReport = step + Math.Max(1, totalSteps / 10);
            Console.WriteLine($"{title}: {(step > 0 ? $"resuming at step {step} (epoch {epoch})" : "starting")}, {totalSteps} steps over {epochs} epochs");
        }

        public void Stepped(int step, double loss, double learningRate)
        {
            if (step < nextReport) return;
            nextReport = step + Math.Max(1, total / 10);
            Console.WriteLine($"{title}: step {step}/{total} loss {loss:F4} lr {learningRate:E2}");
        }

        public void Evaluated(EpochRecord record, bool improved) =>
            Console.WriteLine($"{title}: {Describe(record)}{(improved ? " (best)" : "")}");

        public void Stopped(string reason) => Console.WriteLine($"{title}: {reason}");
    }
}

/// <summary>
/// A training event as <c>pipeline run --progress json</c> prints it: a line <c>@progress {json}</c> on stdout,
/// between the run's ordinary log lines. <c>pipeline sweep --jobs</c> reads them from its child runs.
/// </summary>
sealed record ProgressEvent(
    string Event, int Step, int TotalSteps, int? Epoch = null, int? Epochs = null, double? Loss = null,
    string? Primary = null, double? Score = null, bool? Improved = null, string? Reason = null)
{
    public const string Prefix = "@progress ";

    static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(ProgressEvent e) => Console.WriteLine(Prefix + JsonSerializer.Serialize(e, Options));

    /// <summary>The event on a line, or null for any other line.</summary>
    public static ProgressEvent? Parse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<ProgressEvent>(line.AsSpan(Prefix.Length), Options) : null;
}
