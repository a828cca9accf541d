using System.CommandLine;
using Pipeline.Engine;
using Pipeline.Interop;
using Pipeline.Runs;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline export RUN_DIR OUT [--format peft] [--merged]</c>: a run's result in the formats PEFT and transformers load (docs/interop.md).</summary>
static class ExportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "A finished run folder (runs/<experiment>/<variant>/seed-<n>/)." };
        var output = new Argument<string>("out") { Description = "The folder to write (created; files in it are replaced)." };
        var format = new Option<string>("--format")
        {
            Description = "peft: adapter_config.json + adapter_model.safetensors, as PEFT's save_pretrained writes them.",
            DefaultValueFactory = _ => "peft",
        }.AcceptOnlyFromAmong("peft");
        var merged = new Option<bool>("--merged")
        {
            Description = "Instead: a full Hugging Face checkpoint (config.json, model.safetensors, tokenizer files) with the adapters merged into the weights.",
        };
        var command = new Command("export", "Write a run's adapters for PEFT (PeftModel.from_pretrained), or with --merged a checkpoint transformers' AutoModelFor… loads.")
        {
            run, output, format, merged,
        };
        command.SetAction(result =>
        {
            TorchRuntime.Initialize();
            string directory = result.GetValue(output)!;
            using var folder = RunFolder.Open(result.GetValue(run)!);
            HfTaskModel form;
            if (result.GetValue(merged))
                form = MergedExport.Write(directory, folder.Model, folder.Pretrained, folder.Labels);
            else
            {
                if (folder.Lora is null)
                    throw new ArgumentException($"{folder.Directory} is a full fine-tuning run (lora: none): it has no adapters; export it with --merged");
                form = PeftExport.Write(directory, folder.Model, folder.Lora, folder.Trained, folder.ModelName, folder.Labels);
            }
            Console.WriteLine($"wrote {Path.GetFullPath(directory)}: {(result.GetValue(merged) ? "merged checkpoint" : "PEFT adapter")} for {form.Architecture} ({form.TaskType})" +
                (form.HasHead || form.TaskType == PeftConfig.CausalLm ? "" : $", the head in {HeadFile.WeightsFile} + {HeadFile.ConfigFile} (docs/interop.md shows how to apply it)"));
            return 0;
        });
        return command;
    }
}
