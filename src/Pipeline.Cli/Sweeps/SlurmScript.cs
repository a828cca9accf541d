using System.Text;

namespace Pipeline.Cli.Sweeps;

/// <summary>
/// What a Slurm array job of a sweep asks for. Null options are left out of the script (the cluster's defaults
/// apply); <see cref="Cli"/> is how a compute node starts <c>pipeline</c>, so its paths must exist there.
/// </summary>
sealed record SlurmSettings(
    string JobName,
    IReadOnlyList<string> Cli,
    string? Device = null,
    string? Partition = null,
    string? Gres = null,
    string? Time = null,
    int? MaxParallel = null);

/// <summary>
/// The two files of one submission: the manifest (one tab-separated line per run: experiment, variant, seed, runs
/// folder, log file) and the <c>sbatch</c> array script whose task <c>i</c> trains the run on line <c>i + 1</c>.
/// The runs are data in the manifest, not code in the script, so a variant name never needs shell quoting; the log
/// file is written out (<see cref="SweepRun.LogFile"/>) so the script never re-derives folder names.
/// </summary>
static class SlurmScript
{
    /// <summary>The manifest's text; every field must be free of tabs and line breaks (checked).</summary>
    public static string Manifest(IReadOnlyList<SweepRun> runs)
    {
        var text = new StringBuilder();
        foreach (var run in runs)
        {
            string[] fields = [run.Experiment, run.Variant, run.Seed.ToString(), run.OutputRoot, run.LogFile];
            if (fields.FirstOrDefault(f => f.IndexOfAny(['\t', '\n', '\r']) >= 0) is { } bad)
                throw new ArgumentException($"'{bad}' holds a tab or a line break, which a Slurm manifest line cannot hold; rename it");
            text.Append(string.Join('\t', fields)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The array script for <paramref name="count"/> runs listed in <paramref name="manifest"/>; sbatch's own output
    /// (the script's errors; the run's output goes to its log) goes to <paramref name="output"/>, a path with
    /// sbatch's <c>%A</c> (job) and <c>%a</c> (task) patterns.
    /// </summary>
    public static string Script(SlurmSettings settings, string manifest, string output, int count)
    {
        if (count < 1) throw new ArgumentException("a Slurm array needs at least one run", nameof(count));
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');

        Line("#!/bin/bash");
        void Option(string name, string? value)
        {
            if (value is not null) Line($"#SBATCH --{name}={Directive(value)}");
        }
        Option("job-name", settings.JobName);
        Option("array", $"0-{count - 1}{(settings.MaxParallel is int k ? $"%{k}" : "")}");
        Option("output", output);
        Option("partition", settings.Partition);
        Option("gres", settings.Gres);
        Option("time", settings.Time);
        Line("");
        Line("# Written by 'pipeline sweep --slurm'. Task i trains the run on line i+1 of the manifest");
        Line("# (experiment, variant, seed, runs folder, log file; tab-separated) and appends its output to the log.");
        Line("set -euo pipefail");
        Line($"manifest={Quote(manifest)}");
        Line("line=$((SLURM_ARRAY_TASK_ID + 1))");
        Line("IFS=$'\\t' read -r experiment variant seed runs log < <(sed -n \"${line}p\" \"$manifest\") ||");
        Line("  { echo \"$manifest has no line $line\" >&2; exit 1; }");
        Line("if [ -n \"${SLURM_CPUS_PER_TASK:-}\" ]; then");
        Line("  export OMP_NUM_THREADS=\"$SLURM_CPUS_PER_TASK\" MKL_NUM_THREADS=\"$SLURM_CPUS_PER_TASK\"");
        Line("fi");
        Line("export DOTNET_NOLOGO=1");
        Line("mkdir -p \"$(dirname \"$log\")\"");
        Line("echo \"# $(date -u '+%Y-%m-%d %H:%M:%SZ') Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname)" +
             " (OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset})\" >> \"$log\"");
        string device = settings.Device is null ? "" : $" --device {Quote(settings.Device)}";
        Line($"exec {string.Join(' ', settings.Cli.Select(Quote))} run \"$experiment\" --variant \"$variant\" --seed \"$seed\"" +
             $" --out \"$runs\" --resume{device} >> \"$log\" 2>&1");
        return text.ToString();
    }

    /// <summary>
    /// A value for an <c>#SBATCH</c> line, which sbatch reads without a shell: double quotes are its only quoting
    /// (they keep a path with spaces in one piece), so a value cannot hold one.
    /// </summary>
    public static string Directive(string value)
    {
        if (value.IndexOfAny(['"', '\n', '\r']) >= 0)
            throw new ArgumentException($"'{value}' holds a double quote or a line break, which an #SBATCH line cannot hold");
        return value.Length > 0 && !value.Any(char.IsWhiteSpace) ? value : $"\"{value}\"";
    }

    /// <summary>A word for bash: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+@,%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
