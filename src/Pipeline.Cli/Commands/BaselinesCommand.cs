using System.CommandLine;
using System.Globalization;
using Pipeline.Data;
using Pipeline.Experiments;
using Pipeline.Storage;
using Pipeline.Tasks;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline baselines NAME [--variant V] [--json FILE]</c>: the model-free baselines of a generation experiment
/// (<see cref="NlgBaselines"/>: copy the input, nearest-neighbour retrieval) scored with every metric of generated text
/// on the experiment's own dev and test splits — the floor its runs must clear.
/// </summary>
static class BaselinesCommand
{
    public sealed record Report(string Experiment, string Dataset, string DataHash, IReadOnlyList<Row> Rows);

    public sealed record Row(string Split, string Baseline, int Examples, IReadOnlyDictionary<string, double> Metrics);

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "A generation experiment (see 'pipeline list')." };
        var variant = new Option<string?>("--variant") { Description = "A variant of its sweep grid (default: 'default'); only its task section matters." };
        var json = JsonReport.Option();
        var command = new Command("baselines", "Score copy-the-input and nearest-neighbour retrieval on a generation experiment's dev and test splits.") { name, variant, json };
        command.SetAction(result =>
        {
            var report = Run(result.GetValue(name)!, result.GetValue(variant), Console.Out);
            JsonReport.WriteIfAsked(result.GetValue(json), report);
            return 0;
        });
        return command;
    }

    public static Report Run(string name, string? variantName, TextWriter output)
    {
        var experiment = ShowCommand.Resolve(name);
        var definition = ShowCommand.Variant(experiment, variantName);
        var data = DatasetLoader.Load(definition.Task.ToDataOptions(), PipelineHome.FromEnvironment(), line => output.WriteLine(line));
        if (FineTuningTask.For(data, definition.Task.Metric, decoding: definition.Task.Decoding) is not CausalLmTask task)
            throw new ArgumentException($"experiment '{name}' trains on {data.Name}, a {data.Kind} task: baselines of generated text need a generation task");

        var rows = new List<Row>();
        foreach (var (split, examples) in new[] { ("dev", data.Dev), ("test", data.Test) })
        {
            var gold = examples.Select(e => e.Target).ToList();
            rows.Add(new Row(split, "copy-input", examples.Count, task.ScoreTexts(NlgBaselines.CopyInput(examples), gold)));
            rows.Add(new Row(split, "nearest-neighbour", examples.Count, task.ScoreTexts(NlgBaselines.NearestNeighbour(data.Train, examples), gold)));
        }
        var metrics = rows[0].Metrics.Keys.ToList();
        output.WriteLine($"baselines of {name}: {data.Name} (data hash {data.DataHash[..12]}), train {data.Train.Count}, dev {data.Dev.Count}, test {data.Test.Count}");
        output.WriteLine($"{"split",-6} {"baseline",-18} " + string.Join(" ", metrics.Select(m => $"{m,8}")));
        foreach (var row in rows)
            output.WriteLine($"{row.Split,-6} {row.Baseline,-18} " + string.Join(" ", metrics.Select(m => $"{row.Metrics[m].ToString("0.0000", CultureInfo.InvariantCulture),8}")));
        return new Report(name, data.Name, data.DataHash, rows);
    }
}
