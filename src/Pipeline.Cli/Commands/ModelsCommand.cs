using System.CommandLine;
using System.Diagnostics;
using Pipeline.Engine;
using Pipeline.Models;
using Pipeline.Weights;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline models list|verify</c>: the pretrained encoders, and the proof that our port of them is exact.</summary>
static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Pretrained encoders: list them, verify the TorchSharp port against ONNX Runtime.");

        var list = new Command("list", $"List the embedded models and the HF checkpoints in the model cache (${ModelCatalog.CacheVariable}).");
        list.SetAction(_ => List());
        command.Subcommands.Add(list);

        var name = new Argument<string>("name")
        {
            Description = "an embedded model (all-minilm-l6-v2, arctic-embed-xs)",
            DefaultValueFactory = _ => ModelCatalog.DefaultName,
        };
        var tolerance = new Option<double>("--tolerance") { Description = "largest accepted max |diff|", DefaultValueFactory = _ => OnnxParity.Tolerance };
        var verify = new Command("verify", "Run our encoder and ONNX Runtime (on the original ONNX) on fixed inputs with padding and pairs; " +
            "print max |diff| of the last hidden state; fail above the tolerance.") { name, tolerance };
        verify.SetAction(result => Verify(result.GetValue(name)!, result.GetValue(tolerance)));
        command.Subcommands.Add(verify);

        var exportName = new Argument<string>("name") { Description = "an embedded model (all-minilm-l6-v2, arctic-embed-xs)" };
        var directory = new Argument<string>("directory") { Description = "where to write the checkpoint (created if missing)" };
        var bf16 = new Option<bool>("--bf16") { Description = "store the weights as bf16 (half the size; exact for precision: bf16 runs)" };
        var export = new Command("export", "Write an embedded model as an HF checkpoint directory (config.json, model.safetensors, vocab.txt), " +
            "e.g. for the GPU bundle, which leaves the model packages out.") { exportName, directory, bf16 };
        export.SetAction(result => Export(result.GetValue(exportName)!, result.GetValue(directory)!, result.GetValue(bf16)));
        command.Subcommands.Add(export);

        var parityDirectory = new Argument<string>("directory") { Description = "a decoder checkpoint with reference.json (and generation.json) beside it" };
        var parityTolerance = new Option<double>("--tolerance") { Description = "largest accepted max |diff| of the logits", DefaultValueFactory = _ => 1e-4 };
        var parity = new Command("parity", "Check a decoder checkpoint against reference outputs written beside it (scripts/gpu/decoder_parity.py: " +
            "transformers' logits, greedy and beam-search generate): max |diff| of the logits, generated ids token for token.") { parityDirectory, parityTolerance };
        parity.SetAction(result => Parity(result.GetValue(parityDirectory)!, result.GetValue(parityTolerance)));
        command.Subcommands.Add(parity);

        var first = new Argument<string>("first") { Description = "a sentence" };
        var second = new Argument<string>("second") { Description = "another sentence" };
        var model = new Option<string>("--model") { Description = "a model name or checkpoint directory", DefaultValueFactory = _ => ModelCatalog.DefaultName };
        var similarity = new Command("similarity", "Cosine similarity of two sentences' embeddings (the model's own pooling, L2-normalised): " +
            "a quick check that a model and its tokenizer work.") { first, second, model };
        similarity.SetAction(result => Similarity(result.GetValue(model)!, result.GetValue(first)!, result.GetValue(second)!));
        command.Subcommands.Add(similarity);
        return command;
    }

    static int List()
    {
        Console.WriteLine($"{"name",-22} {"origin",-10} {"parameters",12}  shape / location");
        foreach (var entry in ModelCatalog.List())
        {
            string size = entry.Parameters is { } p ? p.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "?";
            string shape = entry.Config is { } c ? c.Describe() : $"unreadable: {entry.Problem}";
            Console.WriteLine($"{entry.Name,-22} {entry.Origin.ToString().ToLowerInvariant(),-10} {size,12}  {shape}");
            Console.WriteLine($"{"",-22} {"",-10} {"",12}  {entry.Location}");
            if (entry.Config is not null && entry.Problem is not null)
                Console.WriteLine($"{"",-22} {"",-10} {"",12}  {entry.Problem}");
        }
        Console.WriteLine($"cache: {ModelCatalog.CacheDirectory} (one HF checkpoint directory per model: {HfCheckpoint.ConfigFile} + {HfCheckpoint.WeightsFile} [+ {HfCheckpoint.VocabFile}])");
        return 0;
    }

    static int Export(string name, string directory, bool bfloat16)
    {
        var embedded = ModelCatalog.FindEmbedded(name)
            ?? throw new ArgumentException($"'{name}' is not an embedded model; export takes one of: " + string.Join(", ", ModelCatalog.Embedded.Select(m => m.Name)));
        TorchRuntime.Initialize();
        embedded.Export(directory, bfloat16);
        Console.WriteLine($"wrote {embedded.Name} to {Path.GetFullPath(directory)}; load it by that path, or copy it into {ModelCatalog.CacheDirectory}");
        return 0;
    }

    static int Similarity(string name, string first, string second)
    {
        TorchRuntime.Initialize();
        using var model = ModelCatalog.Load(name);
        using var encoder = model.CreateBackbone();
        var pooling = model.DefaultPooling;
        double cosine = SentenceEmbeddings.Cosine(encoder, model.RequireTokenizer(), first, second, pooling);
        Console.WriteLine($"{cosine:F4}  ({model.Name}, {pooling.ToString().ToLowerInvariant()} pooling)");
        return 0;
    }

    static int Parity(string directory, double tolerance)
    {
        TorchRuntime.Initialize();
        var checks = DecoderParity.Check(directory, tolerance);
        foreach (var c in checks) Console.WriteLine($"  {(c.Passed ? "ok  " : "FAIL")} {c.Name}: {c.Detail}");
        Console.WriteLine(checks.All(c => c.Passed) ? $"{directory}: all {checks.Count} checks hold" : $"{directory}: {checks.Count(c => !c.Passed)} of {checks.Count} checks failed");
        return checks.All(c => c.Passed) ? 0 : 1;
    }

    static int Verify(string name, double tolerance)
    {
        var embedded = ModelCatalog.FindEmbedded(name)
            ?? throw new ArgumentException($"'{name}' has no ONNX reference to verify against; verify takes an embedded model: " +
                string.Join(", ", ModelCatalog.Embedded.Select(m => m.Name)));
        var total = Stopwatch.StartNew();
        TorchRuntime.Initialize();
        var runtime = total.Elapsed;
        using var model = ModelCatalog.LoadEmbedded(embedded);
        var watch = Stopwatch.StartNew();
        using var encoder = model.CreateBackbone();
        var build = watch.Elapsed;
        var coldLoad = total.Elapsed;

        Console.WriteLine($"model {model.Name}: {model.Config.Describe()}, {model.Weights.ParameterCount:N0} parameters ({model.Location})");
        Console.WriteLine($"cold load {coldLoad.TotalSeconds:F2} s: torch runtime {runtime.TotalSeconds:F2} s, " +
            string.Join(", ", model.LoadPhases.Select(p => $"{p.Name} {p.Elapsed.TotalSeconds:F2} s")) +
            $", build encoder + copy weights {build.TotalSeconds:F2} s");

        watch.Restart();
        using var reference = new OnnxReference(embedded.ReadOnnx(), embedded.OnnxSource);
        Console.WriteLine($"ONNX Runtime session {watch.Elapsed.TotalSeconds:F2} s");
        var report = OnnxParity.Run(model.Name, encoder, model.RequireTokenizer(), reference);
        foreach (var c in report.Cases)
            Console.WriteLine($"  {c.Name,-18} [{c.BatchSize} x {c.Length}], {c.PaddedExamples} padded: max |diff| {c.MaxAbsDiff:E2} on real tokens" +
                (double.IsNaN(c.PaddingMaxAbsDiff) ? "" : $" ({c.PaddingMaxAbsDiff:E2} at padding positions, not judged)"));
        bool passed = report.Passed(tolerance);
        Console.WriteLine($"max |diff| {report.MaxAbsDiff:E2} over real tokens (tolerance {tolerance:E0}): {(passed ? "ok" : "FAILED")}");
        return passed ? 0 : CommandRunner.Failure;
    }
}
