using System.Globalization;
using Pipeline.Analysis;
using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tests.Runs;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Analysis;

/// <summary>
/// <c>pipeline analyze gradients</c> (Eq. 8–10 on real batches): on a tiny float64 model with non-zero adapters,
/// footnote 1 (DropKey ≡ DropAttention with the gradient kept, backward too), Eq. 8–9 (NoGrad's gradients differ),
/// the rate-0 identity, Eq. 10's k against an independent computation, and the command end to end on the smoke experiment.
/// </summary>
public class GradientNoiseTests
{
    const int Seed = 11;

    static TaskModel Model()
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 2, Alpha: 4, Targets: [LoraTarget.Query, LoraTarget.Value]), seed: 8);
        model.to(ScalarType.Float64);
        model.FreezeForLora();
        using (no_grad())
        {
            manual_seed(4);
            // Fresh adapters have B = 0, which leaves A without gradient; non-zero B makes both parts of the claims visible.
            foreach (var adapter in LoraParameters.Adapters(model)) adapter.B.weight!.normal_(0, 0.2);
        }
        return model;
    }

    static GradientNoiseResult Measure(double rate, DropPattern pattern) =>
        GradientNoise.Measure(Model(), TinyModels.Task(), batches: 2,
            b => new TrainingBatch(TinyModels.Batch(seed: 3 + b), TinyModels.Labels(0, 1, 1, 0)), rate, pattern, Seed);

    static IEnumerable<(LayerGradient DropKey, LayerGradient Plan)> Against(GradientNoiseResult result, string plan) =>
        result.Gradients.Where(g => g.Plan == plan)
            .Select(g => (result.Gradients.Single(d => d.Plan == "dropkey" && d.Layer == g.Layer), g));

    [Theory]
    [InlineData(DropPattern.Element)]
    [InlineData(DropPattern.Column)]
    public void DropKey_and_DropAttention_with_gradient_have_equal_LoRA_gradients_per_layer_and_NoGrad_differs(DropPattern pattern)
    {
        var result = Measure(0.3, pattern);

        Assert.Equal(0, result.MaskMismatches);
        Assert.Equal(3 * (TinyModels.Config.NumHiddenLayers + 1), result.Gradients.Count);
        foreach (var (dropKey, kept) in Against(result, "dropattention_grad"))
        {
            Assert.True(dropKey.LoraANorm > 1e-6 && dropKey.LoraBNorm > 1e-6, $"layer {dropKey.Layer}: the gradients must not vanish");
            Assert.Equal(dropKey.LoraANorm, kept.LoraANorm, 1e-10);
            Assert.Equal(dropKey.LoraBNorm, kept.LoraBNorm, 1e-10);
            Assert.Equal(1.0, kept.CosineToDropKey, 1e-10);
            Assert.Equal(1.0, kept.NormRatioToDropKey, 1e-10);
        }
        // Eq. 8–9: the gradient reaching each layer's adapters (every layer: the last layer's attention sits under each
        // adapter's gradient) differs from DropKey's, in direction and in size.
        foreach (var (dropKey, noGrad) in Against(result, "dropattention_nograd"))
        {
            Assert.True(noGrad.CosineToDropKey < 1 - 1e-6, $"layer {dropKey.Layer}: cosine {noGrad.CosineToDropKey}");
            Assert.True(Math.Abs(noGrad.Norm - dropKey.Norm) > 1e-6 * dropKey.Norm, $"layer {dropKey.Layer}: norms {noGrad.Norm} vs {dropKey.Norm}");
        }
        Assert.All(result.Factors, f => Assert.True(f.Count > 0, $"layer {f.Layer}: no k measured"));
    }

    [Fact]
    public void At_rate_0_the_three_plans_give_the_same_LoRA_gradients_and_no_factor()
    {
        var result = Measure(0, DropPattern.Column);

        foreach (var plan in new[] { "dropattention_nograd", "dropattention_grad" })
            foreach (var (dropKey, other) in Against(result, plan))
            {
                Assert.Equal(dropKey.LoraANorm, other.LoraANorm);
                Assert.Equal(dropKey.LoraBNorm, other.LoraBNorm);
                Assert.Equal(1.0, other.CosineToDropKey, 1e-12);
            }
        Assert.All(result.Factors, f => Assert.Equal(0, f.Count));
    }

    [Fact]
    public void Every_k_is_Eq_10s_factor_within_0_and_1_and_its_quantiles_are_ordered()
    {
        var model = Model();
        var samples = new List<(double[] K, double[] Mass, double[] Weight, double[] Expected, double[] ExpectedMass, double[] ExpectedWeight)>();
        manual_seed(Seed);
        using (AttentionProbe.Observe(sample =>
               {
                   var (k, mass, weight) = GradientFactor.Compute(sample);
                   var (expected, expectedMass, expectedWeight) = ByHand(sample);
                   samples.Add((k.data<double>().ToArray(), mass.data<double>().ToArray(), weight.data<double>().ToArray(), expected, expectedMass, expectedWeight));
               }))
            model.Forward(TinyModels.Batch(), Presets.DropKey(0.3, DropPattern.Element));

        Assert.Equal(TinyModels.Config.NumHiddenLayers, samples.Count);
        foreach (var (k, mass, weight, expected, expectedMass, expectedWeight) in samples)
        {
            Assert.True(k.Length > 100, $"only {k.Length} entries");
            Assert.Equal(expected, k, (a, b) => Math.Abs(a - b) < 1e-12);
            Assert.Equal(expectedMass, mass, (a, b) => Math.Abs(a - b) < 1e-12);
            Assert.Equal(expectedWeight, weight, (a, b) => Math.Abs(a - b) < 1e-12);
            Assert.All(k, x => Assert.InRange(x, 0.0, 1.0 + 1e-12));
            Assert.True(k.Count(x => x < 0.99) > k.Length / 10, "dropping keys of a random model shrinks many gradients");
        }

        var result = Measure(0.3, DropPattern.Element);
        foreach (var f in result.Factors)
        {
            double[] ordered = [f.Min, f.Q05, f.Q25, f.Median, f.Q75, f.Q95, f.Max];
            Assert.True(ordered.Zip(ordered.Skip(1)).All(p => p.First <= p.Second), $"layer {f.Layer}: {string.Join(", ", ordered)}");
            Assert.InRange(f.Min, 0.0, 1.0);
            Assert.InRange(f.Max, 0.0, 1.0 + 1e-12);
            Assert.True(f.Median < 1, $"layer {f.Layer}: median k {f.Median}");
            Assert.InRange(f.WeightedMean, f.Min, f.Max);
            Assert.True(f.CorrelationWithDroppedMass < 0, $"layer {f.Layer}: k must fall as more weight is dropped ({f.CorrelationWithDroppedMass})");
        }
    }

    /// <summary>k = (1 − w'ᵤ)/(1 − wᵤ), the row's dropped weight and w'ᵤ, by loops over the logits: the same entries in the same (row-major) order.</summary>
    static (double[] K, double[] Mass, double[] Weight) ByHand(AttentionSample sample)
    {
        var g = sample.Logits.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        long batch = sample.Logits.shape[0], heads = sample.Logits.shape[1], length = sample.Logits.shape[3];
        var keep = sample.Keep!.expand(sample.Logits.shape).contiguous().data<bool>().ToArray();
        var real = sample.Real.contiguous().data<bool>().ToArray();
        var k = new List<double>();
        var mass = new List<double>();
        var weight = new List<double>();
        for (long b = 0; b < batch; b++)
            for (long h = 0; h < heads; h++)
                for (long q = 0; q < length; q++)
                {
                    if (!real[b * length + q]) continue;
                    long row = ((b * heads + h) * length + q) * length;
                    bool Real(long j) => real[b * length + j];
                    bool Dropped(long j) => Real(j) && !keep[row + j];
                    if (!Enumerable.Range(0, (int)length).Any(j => Dropped(j))) continue;
                    double max = Enumerable.Range(0, (int)length).Max(j => g[row + j]);
                    double z = 0, zKept = 0, droppedMass = 0;
                    for (long j = 0; j < length; j++) z += Math.Exp(g[row + j] - max);
                    for (long j = 0; j < length; j++) if (keep[row + j]) zKept += Math.Exp(g[row + j] - max);
                    for (long j = 0; j < length; j++) if (Dropped(j)) droppedMass += Math.Exp(g[row + j] - max) / z;
                    for (long j = 0; j < length; j++)
                    {
                        if (!Real(j) || !keep[row + j]) continue;
                        double e = Math.Exp(g[row + j] - max);
                        k.Add((1 - e / zKept) / (1 - e / z));
                        mass.Add(droppedMass);
                        weight.Add(e / zKept);
                    }
                }
        return (k.ToArray(), mass.ToArray(), weight.ToArray());
    }

    [Fact]
    public void Observing_attention_changes_nothing_in_the_pass()
    {
        Tensor Output(bool observe)
        {
            var model = Model();
            manual_seed(Seed);
            var plan = Presets.DropAttention(0.3, DropPattern.Element);
            if (!observe) return model.Forward(TinyModels.Batch(), plan).Logits.detach();
            int calls = 0;
            using (AttentionProbe.Observe(_ => calls++))
            {
                var logits = model.Forward(TinyModels.Batch(), plan).Logits.detach();
                Assert.Equal(TinyModels.Config.NumHiddenLayers, calls);
                return logits;
            }
        }

        Assert.False(AttentionProbe.IsObserving);
        Assert.True(TinyModels.Same(Output(observe: false), Output(observe: true)));
        Assert.False(AttentionProbe.IsObserving);
    }

    [Fact]
    public void The_command_measures_the_smoke_experiment_and_writes_both_CSVs()
    {
        using var dir = new TestPaths.TempDir();
        var (code, output) = PipelineProcess.Run($"analyze gradients smoke --batches 2 --device cpu --output {dir.Path}");
        Assert.True(code == 0, output);

        var norms = File.ReadAllLines(Path.Combine(dir.Path, GradientNoiseFiles.Norms));
        Assert.Equal("layer,plan,lora_a_norm,lora_b_norm,cosine_to_dropkey,norm_ratio_to_dropkey", norms[0]);
        Assert.Equal(1 + 3 * (6 + 1), norms.Length); // MiniLM-L6: 6 layers and all of them, × 3 plans
        foreach (var row in norms.Skip(1).Select(l => l.Split(',')))
        {
            double b = Number(row[3]), cosine = Number(row[4]);
            Assert.True(b > 0, $"{row[0]} {row[1]}: ‖∇B‖ = {b}");
            if (row[1] == "dropattention_grad") Assert.Equal(1.0, cosine, 1e-4);
            if (row[1] == "dropattention_nograd" && row[0] == "all") Assert.True(cosine < 1 - 1e-6, $"NoGrad's cosine {cosine}");
        }

        var factors = File.ReadAllLines(Path.Combine(dir.Path, GradientNoiseFiles.Factors));
        Assert.StartsWith("layer,count,min,q05,q25,median", factors[0]);
        Assert.Equal(1 + 6, factors.Length);
        Assert.All(factors.Skip(1).Select(l => l.Split(',')), row =>
        {
            Assert.True(long.Parse(row[1], CultureInfo.InvariantCulture) > 0);
            Assert.InRange(Number(row[5]), 0.0, 1.0);
        });
        Assert.True(File.Exists(Path.Combine(dir.Path, "figure-gradient-norms.png")));
        Assert.Contains("Eq. 10's k", output);
    }

    static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
