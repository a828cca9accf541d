using System.CommandLine;
using Pipeline.Experiments;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline show NAME [--variant V]</c>: the resolved configuration of one experiment variant.</summary>
static class ShowCommand
{
    /// <summary>The experiment's default variant, by name.</summary>
    public static ExperimentDefinition Default(IExperiment experiment) => experiment.Variants.Single(v => v.Variant == ExperimentDefinition.DefaultVariant);

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The experiment's name (see 'pipeline list')." };
        var variant = new Option<string?>("--variant") { Description = "A variant of its sweep grid, e.g. 'rate=0.1,weight=1' (default: 'default')." };
        var command = new Command("show", "Print an experiment's resolved configuration (every default filled in) and its variants.") { name, variant };
        command.SetAction(result => Run(result.GetValue(name)!, result.GetValue(variant), Console.Out));
        return command;
    }

    public static int Run(string name, string? variantName, TextWriter output)
    {
        var experiment = Resolve(name);
        var variant = Variant(experiment, variantName);
        output.Write(ExperimentText.Resolved(experiment, variant));
        output.WriteLine($"# variants: {Abbreviate(experiment.Variants.Select(v => v.Variant))}");
        return 0;
    }

    /// <summary>The variant named <paramref name="variantName"/> (null: the default), or an error listing the variants.</summary>
    public static ExperimentDefinition Variant(IExperiment experiment, string? variantName) =>
        variantName is null ? Default(experiment)
            : experiment.Variants.FirstOrDefault(v => v.Variant == variantName)
              ?? throw new ArgumentException($"experiment '{experiment.Name}' has no variant '{variantName}'; it has: {Abbreviate(experiment.Variants.Select(v => v.Variant))}");

    /// <summary>The experiment by exact name, or an error that suggests the closest names.</summary>
    public static IExperiment Resolve(string name)
    {
        if (ExperimentRegistry.Find(name) is { } experiment) return experiment;
        var close = ExperimentRegistry.All.Select(e => e.Name)
            .Where(n => n.Contains(name, StringComparison.OrdinalIgnoreCase) || name.Contains(n, StringComparison.OrdinalIgnoreCase))
            .Take(5).ToList();
        string hint = close.Count > 0 ? $"; did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?" : "";
        throw new ArgumentException($"no experiment named '{name}'{hint} ('pipeline list' shows them all)");
    }

    static string Abbreviate(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 12 ? string.Join(", ", list) : string.Join(", ", list.Take(10)) + $", … ({list.Count} in all)";
    }
}
