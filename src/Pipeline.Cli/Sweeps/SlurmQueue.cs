using System.Text.Json;
using Pipeline.Data.Fetching;

namespace Pipeline.Cli.Sweeps;

/// <summary>Where a task of a Slurm array stands while the queue holds it.</summary>
enum QueueState { Pending, Running }

/// <summary>
/// The queued tasks of a sweep's array jobs, from <c>squeue --json</c>. Slurm 22.05 (Debian 12) has it, and it
/// gives the array fields by name where <c>--format</c> would need a column layout of our own. That JSON ignores
/// every filter (it lists the whole queue), so the jobs are picked here. Both of its shapes are read: 22.05 writes
/// plain numbers and a state string, 23.02 and later <c>{"set": true, "number": 3}</c> objects and a state list.
/// </summary>
static class SlurmQueue
{
    /// <summary>What to do when a Slurm command cannot be run.</summary>
    public const string Hint = "Run this where Slurm's commands work (a login node of the cluster), or install Slurm's client (Debian: apt-get install slurm-client).";

    /// <summary>The queued tasks of <paramref name="jobs"/> (array job ids): (job, task index) → state. No squeue call for no jobs.</summary>
    public static IReadOnlyDictionary<(long Job, int Task), QueueState> Read(IReadOnlyCollection<long> jobs) =>
        jobs.Count == 0 ? new Dictionary<(long, int), QueueState>() : Parse(ExternalTool.Run("squeue", ["--json"], Hint), jobs);

    /// <summary>
    /// The tasks of <paramref name="jobs"/> in <paramref name="json"/> that wait or run; finished ones (COMPLETED,
    /// FAILED, CANCELLED, TIMEOUT…, which squeue shows for a few minutes) are left out. The pending tasks of an
    /// array share one entry whose task string lists them, e.g. <c>2-5%2</c>.
    /// </summary>
    public static IReadOnlyDictionary<(long Job, int Task), QueueState> Parse(string json, IReadOnlyCollection<long> jobs)
    {
        var queued = new Dictionary<(long, int), QueueState>();
        using var document = JsonDocument.Parse(json);
        foreach (var entry in document.RootElement.GetProperty("jobs").EnumerateArray())
        {
            if (Number(entry, "array_job_id") is not long job || !jobs.Contains(job)) continue;
            if (State(entry) is not QueueState state) continue;
            var tasks = Number(entry, "array_task_id") is long task
                ? [(int)task]
                : Tasks(entry.TryGetProperty("array_task_string", out var s) ? s.GetString() ?? "" : "");
            foreach (int t in tasks) queued[(job, t)] = state;
        }
        return queued;
    }

    /// <summary>The task indices of an array's task string: <c>0-5%2</c>, <c>1,3,7-9</c>, <c>0-15:4</c>.</summary>
    public static IEnumerable<int> Tasks(string text)
    {
        int percent = text.IndexOf('%');
        foreach (string part in (percent >= 0 ? text[..percent] : text).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split(':');
            string[] ends = range[0].Split('-');
            int first = int.Parse(ends[0]), last = int.Parse(ends[^1]), step = range.Length > 1 ? int.Parse(range[1]) : 1;
            for (int t = first; t <= last; t += step) yield return t;
        }
    }

    /// <summary>Pending or running for the states of a job still in the queue, null for a finished one.</summary>
    static QueueState? State(JsonElement entry)
    {
        var value = entry.GetProperty("job_state");
        var states = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(s => s.GetString()) : [value.GetString()];
        foreach (string? state in states)
            switch (state)
            {
                case "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD":
                    return QueueState.Pending;
                case "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "STOPPED" or "SIGNALING" or "STAGE_OUT" or "RESIZING":
                    return QueueState.Running;
            }
        return null;
    }

    /// <summary>A number field: a plain number (22.05), or <c>{"set": true, "number": n}</c> (23.02 on); null when unset.</summary>
    static long? Number(JsonElement entry, string name)
    {
        if (!entry.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.GetInt64(),
            JsonValueKind.Object when value.TryGetProperty("set", out var set) && set.GetBoolean() => value.GetProperty("number").GetInt64(),
            _ => null,
        };
    }
}
