using System.Text.RegularExpressions;
using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tasks;
using Pipeline.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Analysis;

/// <summary>One of the three attention dropouts compared (docs/framework.md §10); <see cref="Name"/> is its name in the CSVs.</summary>
public sealed record ComparedPlan(string Name, DropoutPlan Plan)
{
    /// <summary>DropKey, then DropAttention with NoGrad (the paper's), then DropAttention with the sum's gradient kept (footnote 1).</summary>
    public static IReadOnlyList<ComparedPlan> All(double rate, DropPattern pattern) =>
    [
        new("dropkey", Presets.DropKey(rate, pattern)),
        new("dropattention_nograd", new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, pattern, rate, Normalization: AttentionNormalization.StopGradient))),
        new("dropattention_grad", new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, pattern, rate, Normalization: AttentionNormalization.WithGradient))),
    ];
}

/// <summary>
/// One layer's LoRA gradient under one plan, averaged over the batches. <see cref="Layer"/> −1 is the whole model.
/// The cosine and the norm ratio compare with DropKey's gradient on the same batch with the same masks.
/// </summary>
public sealed record LayerGradient(int Layer, string Plan, double LoraANorm, double LoraBNorm, double CosineToDropKey, double NormRatioToDropKey)
{
    public const int AllLayers = -1;

    /// <summary>‖(∇A, ∇B)‖: the layer's whole LoRA gradient.</summary>
    public double Norm => Math.Sqrt(LoraANorm * LoraANorm + LoraBNorm * LoraBNorm);
}

/// <summary>What <see cref="GradientNoise.Measure"/> found.</summary>
/// <param name="MaskMismatches">Layer passes whose keep mask differed from DropKey's on the same batch (0: the comparison is fair).</param>
public sealed record GradientNoiseResult(double Rate, DropPattern Pattern, int Batches, IReadOnlyList<LayerGradient> Gradients,
    IReadOnlyList<FactorSummary> Factors, int MaskMismatches);

/// <summary>
/// Eq. 8–10 on real batches of a real model: for each batch, the task loss's backward pass under DropKey, DropAttention
/// with NoGrad and DropAttention with the gradient kept, each with the same masks (torch's generators reseeded
/// before each plan; every pass's masks are compared with DropKey's), recording per layer the LoRA gradients and,
/// from DropKey's pass, the distribution of Eq. 10's k (<see cref="GradientFactor"/>). The model is not updated:
/// the gradients are those of the model as given (fresh adapters: B = 0, so A's gradient is 0 and B's carries them).
/// Only the compared attention dropout acts: the experiment's other drops and its compensation are left out.
/// </summary>
public static class GradientNoise
{
    /// <param name="batchAt">Builds batch i (0 ≤ i &lt; <paramref name="batches"/>) on the model's device; called inside that batch's dispose scope.</param>
    public static GradientNoiseResult Measure(TaskModel model, FineTuningTask task, int batches, Func<int, TrainingBatch> batchAt,
        double rate, DropPattern pattern, int seed, Action<string>? log = null)
    {
        var plans = ComparedPlan.All(rate, pattern);
        var adapters = AdapterParametersByLayer(model);
        if (adapters.Count == 0) throw new ArgumentException("the model has no trainable LoRA adapters: the analysis measures their gradients");
        int layerCount = model.Backbone.LayerCount;
        var factors = Enumerable.Range(0, layerCount).Select(l => new FactorDistribution(l)).ToArray();
        // [plan, layer row (last = all layers), quantity]: sums over batches of ‖∇A‖, ‖∇B‖, cosine, norm ratio.
        var sums = new double[plans.Count, adapters.Count + 1, 4];
        int mismatches = 0;
        bool cuda = model.parameters().First().device.type == DeviceType.CUDA;
        model.train();

        for (int b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            var batch = batchAt(b);
            var keeps = new Tensor?[layerCount];
            (Tensor A, Tensor B)[]? dropKeyGradients = null;
            long maskSeed = unchecked(seed * 1_000_003L + b);
            try
            {
                for (int p = 0; p < plans.Count; p++)
                {
                    model.zero_grad();
                    manual_seed(maskSeed);
                    if (cuda) torch.cuda.manual_seed_all(maskSeed);
                    int layer = 0;
                    bool first = p == 0;
                    using (AttentionProbe.Observe(sample =>
                    {
                        if (layer >= layerCount) throw new InvalidOperationException($"more attention calls than the model's {layerCount} layers in one pass");
                        if (first)
                        {
                            var (k, mass, weight) = GradientFactor.Compute(sample);
                            using (k) using (mass) using (weight) factors[layer].Add(k, mass, weight);
                            keeps[layer] = sample.Keep?.clone().DetachFromDisposeScope();
                        }
                        else if (!SameMask(keeps[layer], sample.Keep)) mismatches++;
                        layer++;
                    }))
                    {
                        var loss = task.Loss(model.Forward(batch.Inputs, plans[p].Plan), batch.Targets);
                        loss.backward();
                    }
                    var gradients = adapters.Select(l => LayerVector(l.Parameters)).ToArray();
                    dropKeyGradients ??= gradients.Select(g => (g.A.clone(), g.B.clone())).ToArray();  // the grads themselves are zeroed next
                    Accumulate(sums, p, adapters, gradients, dropKeyGradients);
                }
            }
            finally
            {
                foreach (var keep in keeps) keep?.Dispose();
            }
            model.zero_grad();
            log?.Invoke($"batch {b + 1}/{batches}: ‖∇LoRA‖ / DropKey's so far: " +
                string.Join(", ", plans.Skip(1).Select((plan, p) => $"{plan.Name} {sums[p + 1, adapters.Count, 3] / (b + 1):F4}")));
        }

        var gradientsOut = new List<LayerGradient>();
        for (int row = 0; row <= adapters.Count; row++)
            for (int p = 0; p < plans.Count; p++)
                gradientsOut.Add(new LayerGradient(row < adapters.Count ? adapters[row].Layer : LayerGradient.AllLayers, plans[p].Name,
                    sums[p, row, 0] / batches, sums[p, row, 1] / batches, sums[p, row, 2] / batches, sums[p, row, 3] / batches));
        return new GradientNoiseResult(rate, pattern, batches, gradientsOut, factors.Select(f => f.Summary()).ToList(), mismatches);
    }

    static double Square(double x) => x * x;

    static bool SameMask(Tensor? expected, Tensor? actual) =>
        expected is null ? actual is null
            : actual is not null && expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();

    /// <summary>A layer's adapter gradients flattened: A's first, then B's (so the norms can be split again).</summary>
    static (Tensor A, Tensor B) LayerVector(IReadOnlyList<(bool IsA, Parameter Parameter)> parameters)
    {
        Tensor Flat(bool a) => cat(parameters.Where(x => x.IsA == a)
            .Select(x => (x.Parameter.grad ?? zeros_like(x.Parameter)).detach().flatten().to(ScalarType.Float64)).ToList(), 0);
        return (Flat(true), Flat(false));
    }

    /// <summary>Per layer and for all layers together: ‖∇A‖, ‖∇B‖, and against DropKey the cosine and norm ratio; one read-back per plan.</summary>
    static void Accumulate(double[,,] sums, int plan, IReadOnlyList<(int Layer, IReadOnlyList<(bool IsA, Parameter Parameter)> Parameters)> adapters,
        (Tensor A, Tensor B)[] gradients, (Tensor A, Tensor B)[] dropKey)
    {
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        for (int i = 0; i < gradients.Length; i++)
        {
            var (a, b) = gradients[i];
            var (da, db) = dropKey[i];
            rows.Add(stack([a.square().sum(), b.square().sum(), (a * da).sum() + (b * db).sum(), da.square().sum() + db.square().sum()]));
        }
        var perLayer = stack(rows).cpu().data<double>().ToArray();
        double allA = 0, allB = 0, allDot = 0, allReference = 0;
        for (int i = 0; i <= gradients.Length; i++)
        {
            double a2, b2, dot, reference;
            if (i < gradients.Length)
            {
                (a2, b2, dot, reference) = (perLayer[4 * i], perLayer[4 * i + 1], perLayer[4 * i + 2], perLayer[4 * i + 3]);
                allA += a2; allB += b2; allDot += dot; allReference += reference;
            }
            else (a2, b2, dot, reference) = (allA, allB, allDot, allReference);
            double norm = Math.Sqrt(a2 + b2), referenceNorm = Math.Sqrt(reference);
            sums[plan, i, 0] += Math.Sqrt(a2);
            sums[plan, i, 1] += Math.Sqrt(b2);
            sums[plan, i, 2] += dot / (norm * referenceNorm);
            sums[plan, i, 3] += norm / referenceNorm;
        }
    }

    /// <summary>
    /// The trainable adapter parameters (<see cref="LoraParameters.IsAdapter"/>) grouped by layer: the first number
    /// in a parameter's name (bert.encoder.layer.3.…, transformer.h.3.…, model.layers.3.…).
    /// </summary>
    static IReadOnlyList<(int Layer, IReadOnlyList<(bool IsA, Parameter Parameter)> Parameters)> AdapterParametersByLayer(TaskModel model) =>
        model.named_parameters()
            .Where(p => LoraParameters.IsAdapter(p.name) && p.parameter.requires_grad)
            .Select(p => (Layer: LayerOf(p.name), IsA: p.name.Contains("lora_A.", StringComparison.Ordinal), p.parameter))
            .GroupBy(p => p.Layer)
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<(bool, Parameter)>)g.Select(p => (p.IsA, p.parameter)).ToList()))
            .ToList();

    static int LayerOf(string name)
    {
        var match = Regex.Match(name, @"\.(\d+)\.");
        return match.Success ? int.Parse(match.Groups[1].Value) : throw new ArgumentException($"adapter parameter {name} names no layer");
    }
}
