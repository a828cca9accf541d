using System.CommandLine;
using System.Globalization;
using Pipeline.Analysis;
using Pipeline.Dropout;
using Pipeline.Engine;
using Pipeline.Experiments;
using Pipeline.Runs;
using Pipeline.Training;
using Pipeline.Vocabulary;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline analyze gradients NAME</c>: the paper's gradient argument for DropKey (Eq. 8–10) measured on an experiment's real data.</summary>
static class AnalyzeCommand
{
    const double FallbackRate = 0.1;

    public static Command Create() =>
        new("analyze", "Measurements of the paper's claims on an experiment's real model and data.") { Gradients() };

    static Command Gradients()
    {
        var name = new Argument<string>("name") { Description = "The experiment's name (see 'pipeline list')." };
        var variant = new Option<string?>("--variant") { Description = "A variant of its sweep grid (default: 'default')." };
        var batches = new Option<int>("--batches") { Description = "Training batches to measure, in the order of the run's first epoch.", DefaultValueFactory = _ => 8 };
        var rate = new Option<double?>("--rate") { Description = $"The rate of all three attention dropouts (default: the experiment's attention rate, else {FallbackRate})." };
        var pattern = new Option<string?>("--pattern") { Description = "element, column or span (default: the experiment's attention pattern, else column)." };
        var seed = new Option<int?>("--seed") { Description = "Seeds the head and adapters, the batch order and the masks (default: the experiment's first seed)." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: the experiment's, else CUDA when available)." };
        var output = new Option<string?>("--output") { Description = "The folder for the CSVs and figures (default: analysis/<experiment>/gradients)." };
        var command = new Command("gradients",
            "Per layer, the LoRA gradient norms under DropKey, DropAttention (NoGrad) and DropAttention (gradient kept) with identical masks, " +
            "and the distribution of Eq. 10's factor k = (1 − w'_u)/(1 − w_u) on real batches (docs/framework.md §10).")
        {
            name, variant, batches, rate, pattern, seed, device, output,
        };
        command.SetAction(result =>
        {
            var definition = ShowCommand.Variant(ShowCommand.Resolve(result.GetValue(name)!), result.GetValue(variant));
            var (defaultRate, defaultPattern) = AttentionDrop(definition.Dropout);
            return Run(definition, result.GetValue(batches), result.GetValue(rate) ?? defaultRate, ParsePattern(result.GetValue(pattern)) ?? defaultPattern,
                result.GetValue(seed) ?? definition.Seeds[0], result.GetValue(device), result.GetValue(output) ?? Path.Combine("analysis", definition.Name, "gradients"));
        });
        return command;
    }

    static int Run(ExperimentDefinition definition, int batches, double rate, DropPattern pattern, int seed, string? deviceName, string output)
    {
        if (batches < 1) throw new ArgumentException($"--batches {batches}: measure at least one batch");
        if (rate is < 0 or >= 1) throw new ArgumentException($"--rate {rate}: a rate lies in [0, 1)");
        if (definition.IsFullFineTuning) throw new ArgumentException($"{definition.Name} fine-tunes every weight (lora: none): the analysis measures LoRA adapters' gradients");
        if (definition.Model.Path is null) PretrainCommand.EnsurePretrained(definition.Model.Name, deviceName ?? definition.Training.Device);

        TorchRuntime.Initialize();
        var device = TorchRuntime.ResolveDevice(deviceName ?? definition.Training.Device);
        void Log(string line) => Console.WriteLine($"{definition.Name}: {line}");
        using var prepared = ExperimentRunner.Prepare(definition, device, seed, Log);
        var task = prepared.Task;
        var train = task.Encode(prepared.Data.Train, prepared.Pretrained, prepared.MaxLength);
        var chunks = EncodedSplit.Chunks(Trainer.EpochOrder(train.Count, seed, epoch: 1), definition.Training.BatchSize).Take(batches).ToList();
        string drop = $"{YamlVocabulary.NameOf(pattern)} @ {rate:0.###}";
        Log($"{chunks.Count} training batches of {definition.Training.BatchSize}, {drop}, seed {seed}, on {device}");

        var result = GradientNoise.Measure(prepared.Model, task, chunks.Count, i => train.Batch(chunks[i], task, device), rate, pattern, seed, Log);
        var files = GradientNoiseFiles.Write(result, output);

        PrintGradients(result);
        PrintFactors(result);
        foreach (var file in files) Console.WriteLine($"wrote {file}");
        if (result.MaskMismatches > 0)
        {
            Console.Error.WriteLine($"error: in {result.MaskMismatches} layer passes a DropAttention plan drew other masks than DropKey: the comparison is not at identical masks");
            return CommandRunner.Failure;
        }
        return 0;
    }

    static void PrintGradients(GradientNoiseResult result)
    {
        Console.WriteLine();
        Console.WriteLine("LoRA gradient ‖(∇A, ∇B)‖ per layer (mean over batches); ratio and cosine against DropKey's on the same batch and masks");
        Console.WriteLine($"{"layer",-6}{"DropKey",12}{"NoGrad",12}{"grad kept",12}{"NoGrad/DK",11}{"cos NoGrad",12}{"cos kept",12}{"‖∇A‖ DK",12}");
        foreach (var layer in result.Gradients.GroupBy(g => g.Layer))
        {
            var byPlan = layer.ToDictionary(g => g.Plan);
            var (dk, ng, wg) = (byPlan["dropkey"], byPlan["dropattention_nograd"], byPlan["dropattention_grad"]);
            string label = layer.Key == LayerGradient.AllLayers ? "all" : layer.Key.ToString(CultureInfo.InvariantCulture);
            Console.WriteLine($"{label,-6}{dk.Norm,12:G4}{ng.Norm,12:G4}{wg.Norm,12:G4}{ng.NormRatioToDropKey,11:F4}{ng.CosineToDropKey,12:F6}{wg.CosineToDropKey,12:F6}{dk.LoraANorm,12:G4}");
        }
    }

    static void PrintFactors(GradientNoiseResult result)
    {
        Console.WriteLine();
        Console.WriteLine("Eq. 10's k = (1 − w'_u)/(1 − w_u) under DropKey, kept keys of rows that drop a key; corr: with the row's dropped weight mass; w'-mean: weighted by w'_u");
        Console.WriteLine($"{"layer",-6}{"n",10}{"min",8}{"5%",8}{"25%",8}{"median",8}{"75%",8}{"95%",8}{"mean",8}{"k<0.9",8}{"corr",8}{"w'-mean",9}");
        foreach (var f in result.Factors)
            Console.WriteLine($"{f.Layer,-6}{f.Count,10}{f.Min,8:F3}{f.Q05,8:F3}{f.Q25,8:F3}{f.Median,8:F3}{f.Q75,8:F3}{f.Q95,8:F3}{f.Mean,8:F3}{f.ShareBelow09,8:P1}{f.CorrelationWithDroppedMass,8:F3}{f.WeightedMean,9:F3}");
    }

    /// <summary>The experiment's own attention dropout (DropKey's or DropAttention's rate and pattern), else the fallbacks.</summary>
    static (double Rate, DropPattern Pattern) AttentionDrop(DropoutPlan plan) =>
        plan.Drops.FirstOrDefault(d => d.IsActive && d.Position is DropPosition.AttentionLogits or DropPosition.AttentionWeights
                                       && d.Pattern is DropPattern.Element or DropPattern.Column or DropPattern.Span) is { } spec
            ? (spec.Rate, spec.Pattern)
            : (FallbackRate, DropPattern.Column);

    static DropPattern? ParsePattern(string? name) => name switch
    {
        null => null,
        "element" => DropPattern.Element,
        "column" => DropPattern.Column,
        "span" => DropPattern.Span,
        _ => throw new ArgumentException($"--pattern {name}: expected element, column or span"),
    };
}
