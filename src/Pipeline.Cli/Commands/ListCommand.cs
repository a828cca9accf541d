using System.CommandLine;
using Pipeline.Experiments;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline list</c>: every experiment compiled from experiments/*.yaml.</summary>
static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the experiments declared in experiments/*.yaml (compiled in at build time).");
        command.SetAction(_ => Run(Console.Out));
        return command;
    }

    public static int Run(TextWriter output)
    {
        var rows = ExperimentRegistry.All.Select(e =>
        {
            var d = ShowCommand.Default(e);
            return new[]
            {
                e.Name, e.SourceFile, ExperimentText.Model(d.Model), ExperimentText.FineTuning(d.Lora), ExperimentText.Data(d.Task),
                ExperimentText.Plan(d.Dropout), e.Variants.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }).ToList();
        string[] header = ["NAME", "FILE", "MODEL", "TUNING", "DATA", "PLAN (default variant)", "VARIANTS"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Format(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Format(header));
        foreach (var row in rows) output.WriteLine(Format(row));
        output.WriteLine($"{rows.Count} experiment{(rows.Count == 1 ? "" : "s")}; 'pipeline show NAME' prints one in full.");
        return 0;
    }
}
