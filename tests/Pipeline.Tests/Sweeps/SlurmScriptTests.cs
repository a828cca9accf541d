using Pipeline.Cli.Sweeps;

namespace Pipeline.Tests.Sweeps;

/// <summary>The files a <c>--slurm</c> submission writes, as exact text, and the reading of <c>squeue --json</c>; no Slurm needed.</summary>
public class SlurmScriptTests
{
    static readonly SweepRun[] Runs =
    [
        new("smoke", "rate=0.05", 1, "/shared/my runs"),
        new("smoke", "rate=0.1", 2, "/shared/my runs"),
    ];

    [Fact]
    public void The_manifest_has_one_tab_separated_line_per_run_with_its_runs_folder_and_log()
    {
        Assert.Equal(
            "smoke\trate=0.05\t1\t/shared/my runs\t/shared/my runs/smoke/rate=0.05/seed-1.log\n" +
            "smoke\trate=0.1\t2\t/shared/my runs\t/shared/my runs/smoke/rate=0.1/seed-2.log\n",
            SlurmScript.Manifest(Runs));
    }

    [Fact]
    public void A_variant_with_a_tab_cannot_go_into_a_manifest()
    {
        var e = Assert.Throws<ArgumentException>(() => SlurmScript.Manifest([new SweepRun("smoke", "a\tb", 1, "/runs")]));
        Assert.Contains("tab", e.Message);
    }

    [Fact]
    public void The_array_script_with_every_option_reads_its_manifest_line_and_runs_pipeline_with_quoted_paths()
    {
        var settings = new SlurmSettings("pipeline-smoke", ["/opt/dotnet/dotnet", "/shared/my tools/pipeline.dll"], "cuda",
            Partition: "gpu", Gres: "gpu:1", Time: "02:00:00", MaxParallel: 2);
        string script = SlurmScript.Script(settings, "/shared/my runs/smoke/slurm/array-1.tsv", "/shared/my runs/smoke/slurm/slurm-%A_%a.out", 6);
        Assert.Equal(
            """
            #!/bin/bash
            #SBATCH --job-name=pipeline-smoke
            #SBATCH --array=0-5%2
            #SBATCH --output="/shared/my runs/smoke/slurm/slurm-%A_%a.out"
            #SBATCH --partition=gpu
            #SBATCH --gres=gpu:1
            #SBATCH --time=02:00:00

            # Written by 'pipeline sweep --slurm'. Task i trains the run on line i+1 of the manifest
            # (experiment, variant, seed, runs folder, log file; tab-separated) and appends its output to the log.
            set -euo pipefail
            manifest='/shared/my runs/smoke/slurm/array-1.tsv'
            line=$((SLURM_ARRAY_TASK_ID + 1))
            IFS=$'\t' read -r experiment variant seed runs log < <(sed -n "${line}p" "$manifest") ||
              { echo "$manifest has no line $line" >&2; exit 1; }
            if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then
              export OMP_NUM_THREADS="$SLURM_CPUS_PER_TASK" MKL_NUM_THREADS="$SLURM_CPUS_PER_TASK"
            fi
            export DOTNET_NOLOGO=1
            mkdir -p "$(dirname "$log")"
            echo "# $(date -u '+%Y-%m-%d %H:%M:%SZ') Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname) (OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset})" >> "$log"
            exec /opt/dotnet/dotnet '/shared/my tools/pipeline.dll' run "$experiment" --variant "$variant" --seed "$seed" --out "$runs" --resume --device cuda >> "$log" 2>&1

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Without_partition_gres_time_limit_and_device_the_script_leaves_them_to_the_cluster()
    {
        string script = SlurmScript.Script(new SlurmSettings("pipeline-smoke", ["/shared/pipeline"]), "/runs/smoke/slurm/array-2.tsv", "/runs/smoke/slurm/slurm-%A_%a.out", 1);
        var directives = script.Split('\n').Where(l => l.StartsWith("#SBATCH", StringComparison.Ordinal));
        Assert.Equal(["#SBATCH --job-name=pipeline-smoke", "#SBATCH --array=0-0", "#SBATCH --output=/runs/smoke/slurm/slurm-%A_%a.out"], directives);
        Assert.Contains("exec /shared/pipeline run \"$experiment\" --variant \"$variant\" --seed \"$seed\" --out \"$runs\" --resume >> \"$log\" 2>&1\n", script);
    }

    [Theory]
    [InlineData("/usr/bin/dotnet", "/usr/bin/dotnet")]
    [InlineData("/my runs", "'/my runs'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("$HOME", "'$HOME'")]
    public void Words_for_bash_are_single_quoted_when_they_need_it(string word, string quoted) =>
        Assert.Equal(quoted, SlurmScript.Quote(word));

    [Fact]
    public void An_sbatch_directive_cannot_hold_a_double_quote() =>
        Assert.Throws<ArgumentException>(() => SlurmScript.Directive("a\"b"));

    [Theory]
    [InlineData("2-5%2", new[] { 2, 3, 4, 5 })]
    [InlineData("1,3,7-9", new[] { 1, 3, 7, 8, 9 })]
    [InlineData("0-8:4%1", new[] { 0, 4, 8 })]
    [InlineData("4", new[] { 4 })]
    public void An_array_task_string_lists_its_tasks(string text, int[] tasks) =>
        Assert.Equal(tasks, SlurmQueue.Tasks(text));

    /// <summary>The fields squeue --json of Slurm 22.05.8 (Debian 12) wrote for an array job with 2 tasks running and 3 pending, a finished job and another user's job.</summary>
    const string Squeue2205 = """
        {"meta": {"plugin": {"type": "openapi\/v0.0.38"}}, "errors": [], "jobs": [
          {"job_id": 2, "array_job_id": 1, "array_task_id": 0, "array_task_string": "", "job_state": "COMPLETED"},
          {"job_id": 8, "array_job_id": 7, "array_task_id": 0, "array_task_string": "", "job_state": "RUNNING"},
          {"job_id": 9, "array_job_id": 7, "array_task_id": 1, "array_task_string": "", "job_state": "COMPLETING"},
          {"job_id": 10, "array_job_id": 7, "array_task_id": 2, "array_task_string": "", "job_state": "FAILED"},
          {"job_id": 7, "array_job_id": 7, "array_task_id": null, "array_task_string": "3-5%2", "job_state": "PENDING"},
          {"job_id": 11, "array_job_id": 0, "array_task_id": null, "array_task_string": "", "job_state": "RUNNING"}
        ]}
        """;

    [Fact]
    public void Squeue_json_of_slurm_22_05_gives_the_queued_tasks_of_the_recorded_jobs()
    {
        var queued = SlurmQueue.Parse(Squeue2205, [1, 7]);
        Assert.Equal(
            new Dictionary<(long, int), QueueState>
            {
                [(7, 0)] = QueueState.Running, [(7, 1)] = QueueState.Running,
                [(7, 3)] = QueueState.Pending, [(7, 4)] = QueueState.Pending, [(7, 5)] = QueueState.Pending,
            },
            queued);
    }

    [Fact]
    public void Squeue_json_of_slurm_23_and_later_with_set_numbers_and_state_lists_reads_the_same()
    {
        const string json = """
            {"jobs": [
              {"job_id": 8, "array_job_id": {"set": true, "infinite": false, "number": 7}, "array_task_id": {"set": true, "infinite": false, "number": 0}, "array_task_string": "", "job_state": ["RUNNING"]},
              {"job_id": 7, "array_job_id": {"set": true, "infinite": false, "number": 7}, "array_task_id": {"set": false, "infinite": false, "number": 0}, "array_task_string": "1-2", "job_state": ["PENDING"]}
            ]}
            """;
        Assert.Equal(
            new Dictionary<(long, int), QueueState> { [(7, 0)] = QueueState.Running, [(7, 1)] = QueueState.Pending, [(7, 2)] = QueueState.Pending },
            SlurmQueue.Parse(json, [7]));
    }
}
