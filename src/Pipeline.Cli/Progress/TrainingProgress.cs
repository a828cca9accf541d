using Pipeline.Training;
using Spectre.Console;

namespace Pipeline.Cli.Progress;

/// <summary>
/// Shows a training run: a live progress bar with the loss and the last dev metric on a terminal, plain log
/// lines (one per evaluation, and one every 10% of the steps) when the output is redirected, as in CI.
/// </summary>
static class TrainingProgress
{
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="train"/> with an observer that draws its progress.</summary>
    public static T Run<T>(string title, Func<ITrainingObserver, T> train)
    {
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
