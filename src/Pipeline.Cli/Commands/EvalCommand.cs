using System.CommandLine;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline eval NAME --adapter DIR</c>: an experiment's dev and test scores with a PEFT adapter's weights, without training.</summary>
static class EvalCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The experiment whose data, model and metric to use (see 'pipeline list')." };
        var adapter = new Option<string>("--adapter") { Description = "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors).", Required = true };
        var variant = new Option<string?>("--variant") { Description = "A variant of its sweep grid (default: 'default')." };
        var split = new Option<string>("--split") { Description = "dev, test or both.", DefaultValueFactory = _ => "both" }.AcceptOnlyFromAmong("dev", "test", "both");
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: the experiment's, else CUDA when available)." };
        var command = new Command("eval", "Evaluate an experiment on its dev/test splits with the weights of a PEFT adapter folder (trained here or with PEFT).")
        {
            name, adapter, variant, split, device,
        };
        command.SetAction(result =>
        {
            var definition = ShowCommand.Variant(ShowCommand.Resolve(result.GetValue(name)!), result.GetValue(variant));
            string which = result.GetValue(split)!;
            string[] splits = which == "both" ? ["dev", "test"] : [which];
            var scores = AdapterEvaluation.Run(definition, result.GetValue(adapter)!, splits, result.GetValue(device), Console.Error.WriteLine);
            foreach (var (s, metrics) in scores)
                Console.WriteLine($"{s}: {string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:F4}"))}");
            return 0;
        });
        return command;
    }
}
