using System.Diagnostics;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Engine;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Bert;
using Pipeline.Models.Gpt2;
using Pipeline.Models.Llama;
using Pipeline.Tasks;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Benchmarks;

/// <summary>What to measure: a model shape (random weights: speed does not depend on their values), a batch shape, plans.</summary>
public sealed record BenchOptions(
    string Model = "minilm",
    int Batch = 32,
    int Length = 128,
    IReadOnlyList<string>? Plans = null,
    string? Device = null,
    Precision Precision = Precision.Float32,
    int Warmup = 3,
    int Steps = 10,
    double? PeakTflops = null,
    bool Phases = false,
    bool ProfilerRange = false)
{
    public IReadOnlyList<string> Plans { get; init; } = Plans ?? ["baseline", "dropkey-column", "hiddenkey"];
}

/// <summary>
/// Mean milliseconds of a step's parts, the device synchronised after each: forward passes with the loss
/// (compensation included), backward, and the optimiser step with the loss read-back.
/// </summary>
public sealed record StepPhases(double Forward, double Backward, double Optimizer);

/// <summary>
/// One plan's measurement. Memory: the peak over all steps, and the samples after the first and the last
/// timed step (their difference is the growth over the timed steps: flat memory shows as ≈ 0).
/// <see cref="Phases"/>: only when asked (<see cref="BenchOptions.Phases"/>).
/// </summary>
public sealed record BenchResult(
    string Plan, double StepMilliseconds, double StepMillisecondsStdDev, double TokensPerSecond, double Tflops,
    double? Mfu, double PeakMemoryMegabytes, double FirstStepMemoryMegabytes, double LastStepMemoryMegabytes, double FinalLoss,
    StepPhases? Phases = null)
{
    public double MemoryGrowthMegabytes => LastStepMemoryMegabytes - FirstStepMemoryMegabytes;
}

/// <summary>The whole report (written as JSON by <c>pipeline bench</c>).</summary>
public sealed record BenchReport(
    DateTimeOffset Date, string Device, string Model, int Batch, int Length, string Precision, int Steps,
    long Parameters, long TrainableParameters, IReadOnlyList<BenchResult> Results);

/// <summary>
/// Times full LoRA training steps (forward passes, compensation, backward, clipping, AdamW — the trainer's
/// <see cref="FlatAdamW"/>) per plan on one
/// device, and reports step time, tokens/s, achieved TFLOP/s, MFU (when the device's peak is known or
/// given) and peak memory (process resident memory on CPU; device memory in use on CUDA).
/// </summary>
public static class StepBenchmark
{
    /// <summary>The shapes <c>--model</c> names: encoders (a 2-class classifier) and decoders (causal LM over the vocabulary).</summary>
    public static IReadOnlyList<string> ModelNames { get; } = ["minilm", "bert-base", "roberta-large", "gpt2", "gpt2-medium", "llama2-7b-4l"];

    public static IModelConfig ModelConfig(string name) => name.ToLowerInvariant() switch
    {
        "minilm" or "all-minilm-l6-v2" => BertConfig.MiniLmL6,
        "bert-base" => BertConfig.BertBase,
        "roberta-large" => BertConfig.RobertaLarge,
        "gpt2" => Gpt2Config.Small,
        "gpt2-medium" => Gpt2Config.Medium,
        // LLaMA2-7B's layer shape (4096 wide, 32 heads, SwiGLU 11008, vocab 32000) with 4 of its 32 layers: its step
        // costs and memory per layer, on a device that does not hold the whole 7B model with room to train.
        "llama2-7b-4l" => LlamaConfig.Llama2_7B with { NumHiddenLayers = 4 },
        _ => throw new ArgumentException($"model '{name}': expected one of {string.Join(", ", ModelNames)}"),
    };

    /// <summary>Plan names: the presets, plus <c>dropkey-column</c> (the paper's best DropKey pattern).</summary>
    public static DropoutPlan Plan(string name) => name.ToLowerInvariant() switch
    {
        "dropkey-column" => Presets.DropKey(0.1, DropPattern.Column),
        _ => Vocabulary.PresetCatalog.Create(name.ToLowerInvariant()) ?? throw new ArgumentException(
            $"plan '{name}': expected one of {string.Join(", ", Vocabulary.PresetCatalog.Names)}, dropkey-column"),
    };

    public static BenchReport Run(BenchOptions options, Action<string>? log = null)
    {
        var config = ModelConfig(options.Model);
        int maxLength = config.UsablePositions;
        if (options.Batch < 1) throw new ArgumentException($"batch {options.Batch}: expected at least 1 example per step");
        if (options.Length < 1 || options.Length > maxLength)
            throw new ArgumentException($"length {options.Length}: {options.Model} takes 1 to {maxLength} tokens per example");
        if (options.Steps < 1 || options.Warmup < 0)
            throw new ArgumentException($"steps {options.Steps}, warmup {options.Warmup}: expected at least 1 timed step and no negative warmup");
        var plans = options.Plans.Select(p => (Name: p, Plan: Plan(p))).ToList();
        var device = TorchRuntime.ResolveDevice(options.Device);
        if (options.ProfilerRange && device.type != DeviceType.CUDA)
            throw new ArgumentException($"--profiler-range marks the timed steps for a CUDA profiler: it needs a CUDA device, not {device}");
        double? peak = options.PeakTflops ?? PeakTflops.Of(device, options.Precision);
        var results = new List<BenchResult>();
        long parameters = 0, trainable = 0;

        foreach (var (name, plan) in plans)
        {
            log?.Invoke($"{name}: building {options.Model} on {device} ...");
            manual_seed(0);
            var backbone = config.Family.CreateBackbone(config, new LinearFactory(new LoraOptions()));
            // A decoder trains as the paper's NLG runs do: next-token loss over the vocabulary at every position.
            bool decoder = backbone is ICausalLanguageModel;
            FineTuningTask task = decoder ? new CausalLmTask() : new ClassificationTask(["0", "1"]);
            using var model = new TaskModel(backbone, task.CreateHead(HeadKind.Linear, Pooling.Mean, config.HiddenSize));
            model.to(device);
            model.UsePrecision(options.Precision);
            model.FreezeForLora();
            var counts = model.CountParameters();
            (parameters, trainable) = (counts.Total, counts.Trainable);
            using var optimizer = new FlatAdamW(model.parameters().Where(p => p.requires_grad), weightDecay: 0.1);

            var ids = randint(1, config.VocabSize, [options.Batch, options.Length], dtype: ScalarType.Int64, device: device);
            var batch = new EncoderBatch(ids, ones_like(ids)) { HasPadding = false };
            var labels = decoder
                ? cat([ids[.., 1..], full(options.Batch, 1, CausalLmTask.Ignored, dtype: ScalarType.Int64, device: device)], 1)
                : randint(0, 2, [options.Batch], dtype: ScalarType.Int64, device: device);
            model.train();

            var memory = new PeakMemory(device);
            double firstTimedMegabytes = 0; // warmup allocates what later steps reuse: growth counts from here
            var times = new List<double>();
            double loss = 0, forwardSum = 0, backwardSum = 0;
            for (int step = 0; step < options.Warmup + options.Steps; step++)
            {
                if (options.ProfilerRange && step == options.Warmup) CudaDriver.ProfilerRange(start: true);
                var watch = Stopwatch.StartNew();
                double forward = 0, backward = 0;
                using (var scope = NewDisposeScope())
                {
                    optimizer.ZeroGrad();
                    var result = CompensatedLoss.Compute(model, task, batch, labels, plan);
                    if (options.Phases) forward = Synchronized(device, watch);
                    result.Total.backward();
                    if (options.Phases) backward = Synchronized(device, watch);
                    optimizer.Step(learningRate: 1e-4, maxGradNorm: 1.0);
                    loss = result.Total.item<float>(); // waits for the device
                }
                double elapsed = watch.Elapsed.TotalMilliseconds;
                memory.Sample(); // synchronises the device: the range below holds this step's kernels
                if (options.ProfilerRange && step == options.Warmup + options.Steps - 1) CudaDriver.ProfilerRange(start: false);
                if (step < options.Warmup) continue;
                times.Add(elapsed);
                (forwardSum, backwardSum) = (forwardSum + forward, backwardSum + backward - forward);
                if (times.Count == 1) firstTimedMegabytes = memory.LastMegabytes;
                if (times.Count % 50 == 0 && times.Count < options.Steps)
                    log?.Invoke($"{name}: {times.Count}/{options.Steps} steps, {memory.LastMegabytes:F0} MiB");
            }

            double mean = times.Average();
            double std = Math.Sqrt(times.Select(t => (t - mean) * (t - mean)).Average());
            int passes = plan.Compensation.ForwardPasses;
            int gradientPasses = plan.Compensation is BidirectionalKl { Branches: KlBranches.Both } or HiddenCutJs ? 2 : 1;
            double flops = FlopCount.Step(config, options.Batch, options.Length, gradientPasses, passes - gradientPasses, decoder);
            double tflops = flops / (mean / 1000) / 1e12;
            var phases = options.Phases
                ? new StepPhases(forwardSum / times.Count, backwardSum / times.Count, mean - (forwardSum + backwardSum) / times.Count)
                : null;
            results.Add(new BenchResult(name, mean, std, options.Batch * options.Length / (mean / 1000), tflops,
                peak is null ? null : tflops / peak, memory.PeakMegabytes, firstTimedMegabytes, memory.LastMegabytes, loss, phases));
            log?.Invoke($"{name}: {mean:F1} ms/step");
            ids.Dispose(); batch.AttentionMask.Dispose(); labels.Dispose();
        }
        return new BenchReport(DateTimeOffset.UtcNow, DeviceName(device), options.Model, options.Batch, options.Length,
            options.Precision.ToString(), options.Steps, parameters, trainable, results);
    }

    /// <summary>Waits for the device (CPU work is already done), then reads the step's clock.</summary>
    static double Synchronized(Device device, Stopwatch watch)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        return watch.Elapsed.TotalMilliseconds;
    }

    static string DeviceName(Device device) =>
        device.type == DeviceType.CUDA && CudaDriver.TryGetProperties(device.index < 0 ? 0 : device.index) is { } p
            ? $"{device} ({p.Name})"
            : $"{device} ({Environment.ProcessorCount} cores, {get_num_threads()} threads)";
}
