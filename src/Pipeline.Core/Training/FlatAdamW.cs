using TorchSharp;
using TorchSharp.Modules;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>
/// AdamW (decoupled weight decay) with gradient-norm clipping over one flat buffer that holds every trainable
/// parameter. LoRA trains many small tensors (two per adapted projection per layer: 98 for roberta-large);
/// stepping them one by one costs ~10 kernel launches each, which dominates a GPU step that is bound by launch
/// overhead. Here the parameters become views of one buffer (<c>Tensor.set_</c>: the model keeps its
/// <see cref="Parameter"/> objects and sees every update without a copy), their gradients are gathered with one
/// <c>cat</c>, and a step — clipping included — is about a dozen kernels whatever the parameter count.
/// Same update as PyTorch's AdamW; the clip scale is computed on the device (no host sync).
/// Create it after the model is on its device and in its precision: moving the model later re-allocates the
/// parameters and cuts them loose from the buffer.
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    const string Magic = "Pipeline.FlatAdamW/1";

    readonly Parameter[] parameters;
    readonly long decayed;        // the buffer starts with the parameters that take weight decay
    readonly Tensor flat, expAvg, expAvgSq;

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public long Steps { get; private set; }
    public long Count => flat.shape[0];

    /// <param name="parameters">Trainable parameters, all of one dtype and device.</param>
    /// <param name="decay">Which parameters take weight decay (default: matrices, not biases and not LayerNorm weights —
    /// HF Trainer's convention, whose excluded parameters are exactly the one-dimensional ones).</param>
    public FlatAdamW(IEnumerable<Parameter> parameters, double weightDecay = 0.01, Func<Parameter, bool>? decay = null,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        decay ??= p => p.dim() >= 2;
        var list = parameters.ToList();
        if (list.Count == 0) throw new ArgumentException("no parameters to optimise");
        var first = list[0];
        if (list.FirstOrDefault(p => p.dtype != first.dtype || p.device_type != first.device_type || p.device_index != first.device_index) is { } odd)
            throw new ArgumentException($"all parameters must share one dtype and device: found {first.dtype} on {first.device} " +
                $"and {odd.dtype} on {odd.device} (keep trainable weights in fp32 on the training device)");

        this.parameters = list.Where(p => decay(p)).Concat(list.Where(p => !decay(p))).ToArray();
        decayed = this.parameters.TakeWhile(p => decay(p)).Sum(p => p.numel());
        (WeightDecay, Beta1, Beta2, Epsilon) = (weightDecay, beta1, beta2, epsilon);

        long total = this.parameters.Sum(p => p.numel());
        // The buffers live as long as the optimiser, not as long as a caller's dispose scope.
        flat = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        expAvg = zeros_like(flat).DetachFromDisposeScope();
        expAvgSq = zeros_like(flat).DetachFromDisposeScope();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long offset = 0;
        foreach (var p in this.parameters)
        {
            var view = flat.narrow(0, offset, p.numel()).view(p.shape);
            view.copy_(p);
            p.set_(view); // the parameter now lives in the buffer
            offset += p.numel();
        }
    }

    /// <summary>Forgets the gradients (the next backward allocates fresh ones; no kernel runs).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            p.grad?.Dispose();
            p.grad = null;
        }
    }

    /// <summary>
    /// One update at <paramref name="learningRate"/>, after scaling the gradients so their global L2 norm is at
    /// most <paramref name="maxGradNorm"/> (≤ 0: no clipping). Parameters without a gradient count as zero.
    /// </summary>
    public void Step(double learningRate, double maxGradNorm = 0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grad = cat(parameters.Select(p => p.grad is { } g ? g.reshape(-1) : zeros(p.numel(), dtype: flat.dtype, device: flat.device)).ToArray());
        if (maxGradNorm > 0)
            grad.mul_((maxGradNorm / (grad.norm() + 1e-6)).clamp_max(1.0)); // torch.nn.utils.clip_grad_norm_'s rule

        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        if (WeightDecay != 0 && decayed > 0)
            flat.narrow(0, 0, decayed).mul_(1 - learningRate * WeightDecay);
        expAvg.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
        expAvgSq.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
        var denominator = expAvgSq.sqrt().div_(Math.Sqrt(correction2)).add_(Epsilon);
        flat.addcdiv_(expAvg, denominator, value: -learningRate / correction1);
    }

    /// <summary>Writes the step count and moments (the parameters themselves are saved with the model).</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write(parameters.Length);
        writer.Write(Count);
        writer.Write(Steps);
        using var avg = expAvg.cpu();
        using var avgSq = expAvgSq.cpu();
        avg.Save(writer);
        avgSq.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote, for the same trainable parameters.</summary>
    public void Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        string magic;
        try { magic = reader.ReadString(); }
        catch (Exception e) when (e is IOException or FormatException) { magic = ""; }
        if (magic != Magic)
            throw new InvalidDataException($"{path}: not a {Magic} optimiser state (written by an older Pipeline?); " +
                "delete the run folder to start the run over");
        if (stream.Length - stream.Position < sizeof(int) + 2 * sizeof(long))
            throw new InvalidDataException($"{path}: the optimiser state is cut short (truncated file?); delete the run folder to start over");
        int count = reader.ReadInt32();
        long elements = reader.ReadInt64();
        if (count != parameters.Length || elements != Count)
            throw new InvalidDataException($"{path}: optimiser state for {count} parameters ({elements:N0} values), " +
                $"but this model trains {parameters.Length} ({Count:N0}): the run's model or adapter settings changed; " +
                "delete the run folder to start over");
        long steps = reader.ReadInt64();
        long afterCounts = stream.Position;
        if (steps < 0) throw new InvalidDataException($"{path}: a negative step count {steps}: the file is damaged; delete the run folder to start over");
        foreach (string moment in new[] { "exp_avg", "exp_avg_sq" })
        {
            var header = TorchSharpFormat.SkipTensor(reader, path, moment);
            if (header.DType != expAvg.dtype || !header.Shape.SequenceEqual(expAvg.shape))
                throw new InvalidDataException($"{path}: {moment} is {header.DType} {TensorShape.Format(header.Shape)}, expected {expAvg.dtype} " +
                    $"{TensorShape.Format(expAvg.shape)}: the file is damaged; delete the run folder to start over");
        }
        stream.Position = afterCounts;
        Steps = steps;
        using var noGrad = no_grad();
        using var avg = Tensor.Load(reader);
        using var avgSq = Tensor.Load(reader);
        expAvg.copy_(avg);
        expAvgSq.copy_(avgSq);
    }

    public void Dispose()
    {
        flat.Dispose();
        expAvg.Dispose();
        expAvgSq.Dispose();
    }
}
