using System.CommandLine;
using Pipeline.Benchmarks;
using Pipeline.Experiments;
using Pipeline.Models;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline bench</c>: LoRA training-step speed and memory per plan on one device.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = string.Join(", ", StepBenchmark.ModelNames) + " (random weights; decoders train a causal LM)", DefaultValueFactory = _ => "minilm" };
        var batch = new Option<int>("--batch") { Description = "examples per step", DefaultValueFactory = _ => 32 };
        var length = new Option<int>("--length") { Description = "tokens per example", DefaultValueFactory = _ => 128 };
        var plans = new Option<string[]>("--plan") { Description = "plans to time (repeatable): baseline, dropkey-column, hiddenkey, or any preset", AllowMultipleArgumentsPerToken = true };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: CUDA when available)" };
        var precision = new Option<string>("--precision") { Description = "fp32 or bf16 (frozen weights)", DefaultValueFactory = _ => "fp32" };
        var steps = new Option<int>("--steps") { Description = "timed steps per plan", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed steps first", DefaultValueFactory = _ => 3 };
        var peak = new Option<double?>("--peak-tflops") { Description = "the device's peak TFLOP/s for MFU (known GPUs are looked up)" };
        var phases = new Option<bool>("--phases") { Description = "also time forward, backward and optimizer apart (the device is synchronised between them)" };
        var profilerRange = new Option<bool>("--profiler-range") { Description = "record only the timed steps in an attached CUDA profiler (nsys --capture-range=cudaProfilerApi, ncu --profile-from-start off)" };
        var json = JsonReport.Option();

        var command = new Command("bench", "Time LoRA training steps (forward, compensation, backward, AdamW) per dropout plan.")
        {
            model, batch, length, plans, device, precision, steps, warmup, peak, phases, profilerRange, json,
        };
        command.SetAction(parse =>
        {
            var options = new BenchOptions(
                parse.GetValue(model)!, parse.GetValue(batch), parse.GetValue(length),
                parse.GetValue(plans) is { Length: > 0 } p ? p : null, parse.GetValue(device),
                ParsePrecision(parse.GetValue(precision)!), parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(peak),
                parse.GetValue(phases), parse.GetValue(profilerRange));
            var report = StepBenchmark.Run(options, line => Console.Error.WriteLine(line));
            Print(report);
            JsonReport.WriteIfAsked(parse.GetValue(json), report);
            return 0;
        });
        return command;
    }

    public static Precision ParsePrecision(string text) => text.ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Float32,
        "bf16" or "bfloat16" => Precision.BFloat16,
        _ => throw new ArgumentException($"precision '{text}': expected fp32 or bf16"),
    };

    static void Print(BenchReport r)
    {
        Console.WriteLine($"{r.Model}, batch {r.Batch} x {r.Length} tokens, {r.Precision}, {r.Steps} steps on {r.Device}");
        Console.WriteLine($"{r.TrainableParameters:N0} trainable of {r.Parameters:N0} parameters; memory: peak, and growth from the first to the last timed step (MiB)");
        Console.WriteLine($"{"plan",-16} {"ms/step",10} {"±",7} {"tokens/s",10} {"TFLOP/s",8} {"MFU",7} {"peak MiB",9} {"growth",7} {"vs first",9}");
        double first = r.Results[0].StepMilliseconds;
        foreach (var x in r.Results)
            Console.WriteLine($"{x.Plan,-16} {x.StepMilliseconds,10:F1} {x.StepMillisecondsStdDev,7:F1} {x.TokensPerSecond,10:F0} {x.Tflops,8:F3} " +
                $"{(x.Mfu is { } m ? m.ToString("P1") : "n/a"),7} {x.PeakMemoryMegabytes,9:F0} {x.MemoryGrowthMegabytes,7:+0;-0;0} {x.StepMilliseconds / first,8:F2}x");
        if (r.Results.All(x => x.Phases is null)) return;
        Console.WriteLine();
        Console.WriteLine("step parts, ms (the device synchronised after each part)");
        Console.WriteLine($"{"plan",-16} {"forward",10} {"backward",10} {"optimizer",10}");
        foreach (var x in r.Results)
            if (x.Phases is { } p)
                Console.WriteLine($"{x.Plan,-16} {p.Forward,10:F1} {p.Backward,10:F1} {p.Optimizer,10:F1}");
    }
}
