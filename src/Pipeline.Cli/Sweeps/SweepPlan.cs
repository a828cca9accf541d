using Pipeline.Experiments;
using Pipeline.Runs;

namespace Pipeline.Cli.Sweeps;

/// <summary>One run of a sweep: a variant of an experiment with one seed, written under a runs folder.</summary>
sealed record SweepRun(string Experiment, string Variant, int Seed, string OutputRoot)
{
    public RunStore Store => new(OutputRoot, Experiment, Variant, Seed);

    public string Title => $"{Experiment} [{Variant}] seed {Seed}";

    /// <summary>What the run printed, beside its folder: <c>&lt;variant&gt;/seed-&lt;n&gt;.log</c> (appended to by every attempt).</summary>
    public string LogFile => Store.Directory + ".log";

    /// <summary>The <c>pipeline run</c> arguments that train (or resume) exactly this run.</summary>
    public IReadOnlyList<string> RunArguments(string? device)
    {
        var arguments = new List<string> { "run", Experiment, "--variant", Variant, "--seed", Seed.ToString(), "--out", OutputRoot, "--resume" };
        if (device is not null) arguments.AddRange(["--device", device]);
        return arguments;
    }
}

/// <summary>The runs of a sweep: every grid variant × every seed, in the order the experiment lists them.</summary>
static class SweepPlan
{
    /// <param name="seeds">Replaces the seeds the experiment lists (<c>--seeds 1,2,3</c>).</param>
    public static IReadOnlyList<SweepRun> For(IExperiment experiment, string outputRoot, IReadOnlyList<int>? seeds = null)
    {
        // The grid's points are every variant but "default" (the file as written); without a grid, run that one.
        var grid = experiment.Variants.Where(v => v.Variant != ExperimentDefinition.DefaultVariant).ToList();
        var variants = grid.Count > 0 ? grid : experiment.Variants.ToList();
        return variants.SelectMany(v => (seeds ?? v.Seeds).Select(seed => new SweepRun(experiment.Name, v.Variant, seed, outputRoot))).ToList();
    }
}

/// <summary>How this process starts another <c>pipeline</c>: the apphost itself, or <c>dotnet pipeline.dll</c>.</summary>
static class SelfCommand
{
    /// <summary>The program and the arguments before the command's own, e.g. <c>["/usr/bin/dotnet", "/…/pipeline.dll"]</c>.</summary>
    public static IReadOnlyList<string> Prefix()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown");
        bool host = Path.GetFileNameWithoutExtension(process) == "dotnet";
        return host ? [process, typeof(SelfCommand).Assembly.Location] : [process];
    }
}
