using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Models.Bert;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Dropout;

/// <summary>
/// The paper's gradient claims (Eq. 7–10, footnote 1) through the model's own attention: self-attention modules
/// built by the project's factory (LoRA on the query), DropKey on the fused path, DropAttention on the explicit one,
/// the same masks for both (same seed), gradients reaching the LoRA adapters. In float64.
/// </summary>
public class AttentionGradientModelTests
{
    /// <summary>Tokens = hidden units = head width, so the keys and values can be unit vectors.</summary>
    const int Length = 8;
    const int Query = 0;
    const long MaskSeed = 5;
    const double Rate = 0.4;

    static readonly BertConfig OneHead = new(VocabSize: 60, HiddenSize: Length, NumHiddenLayers: 1, NumAttentionHeads: 1, IntermediateSize: 16, MaxPositionEmbeddings: 40);

    /// <summary>
    /// The self-attention of a one-layer, one-head tiny model (LoRA r = 2 on the query), set up so that the output
    /// row of a query *is* its attention weights w' and the query *is* its logits g: keys √d·eⱼ (so gⱼ = q·kⱼ/√d = qⱼ),
    /// values eⱼ (so the context row Σⱼ w'ⱼ vⱼ = w'), the tokens' hidden states eₜ. Then the gradient of w'ᵤ with
    /// respect to the query's logits is the gradient of the LoRA B matrix row by row: ∂w'ᵤ/∂B[j] = s·(∂w'ᵤ/∂gⱼ)·(A eₜ).
    /// </summary>
    static (BertSelfAttention Attention, LoraLinear Query) UnitAttention()
    {
        var model = TinyModels.Classifier(config: OneHead, lora: new LoraOptions(Rank: 2, Alpha: 4, Targets: [LoraTarget.Query]), seed: 31);
        model.to(ScalarType.Float64);
        var attention = model.modules().OfType<BertSelfAttention>().Single();
        var query = attention.modules().OfType<LoraLinear>().Single();
        using (no_grad())
        {
            foreach (var (name, parameter) in attention.named_parameters())
            {
                if (name == "key.weight") parameter.copy_(eye(Length, dtype: ScalarType.Float64) * Math.Sqrt(Length));
                else if (name == "value.weight") parameter.copy_(eye(Length, dtype: ScalarType.Float64));
                else if (name.EndsWith("bias")) parameter.zero_();
            }
            manual_seed(3);
            query.Weight.normal_(0, 1.2);       // logits of a few units: the dropped ones matter
            query.B.weight!.normal_(0, 0.3);    // a non-zero adapter, so A gets a gradient too
        }
        return (attention, query);
    }

    static Tensor Hidden() => eye(Length, dtype: ScalarType.Float64).unsqueeze(0);

    static Tensor Real() => ones(1, Length, dtype: ScalarType.Bool);

    /// <summary>The keep mask the model draws for <paramref name="spec"/> after <see cref="MaskSeed"/>: [1, 1, 1, L] (column).</summary>
    static bool[] KeepMask(DropSpec spec)
    {
        manual_seed(MaskSeed);
        using var scope = NewDisposeScope();
        return DropMasks.AttentionKeep(spec, Real(), heads: 1, queryLength: Length).flatten().data<bool>().ToArray();
    }

    /// <summary>w'ᵤ of <see cref="Query"/> under <paramref name="plan"/>, its LoRA gradients (B, A) and the whole weight row.</summary>
    static (double[] B, double[] A, double[] Weights) Gradients(DropoutPlan plan, int u)
    {
        var (attention, query) = UnitAttention();
        manual_seed(MaskSeed);
        var (context, _) = attention.Forward(Hidden(), Real(), padding: null, LayerDrops.For(plan, layer: 0, layerCount: 1));
        context[0, Query, u].backward();
        return (query.B.weight!.grad!.flatten().data<double>().ToArray(), query.A.weight!.grad!.flatten().data<double>().ToArray(),
            context[0, Query].detach().data<double>().ToArray());
    }

    /// <summary>Row <paramref name="j"/> of the gradient of B [L, r]: the part that flows through the logit gⱼ.</summary>
    static double[] Row(double[] gradB, int j) => gradB[(j * 2)..(j * 2 + 2)];

    [Fact]
    public void Through_the_model_DropKey_LoRA_gradients_equal_DropAttention_with_gradient_and_are_Eq_10_k_times_NoGrad_DropAttention()
    {
        var keep = KeepMask(new DropSpec(DropPosition.AttentionLogits, DropPattern.Column, Rate));
        int dropped = Array.IndexOf(keep, false), u = Array.IndexOf(keep, true);
        Assert.True(dropped >= 0 && u >= 0, "the mask must drop a key and keep another for the claims to mean anything");

        var dropKey = Gradients(Presets.DropKey(Rate, DropPattern.Column), u);
        var withGradient = Gradients(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Column, Rate, Normalization: AttentionNormalization.WithGradient)), u);
        var noGrad = Gradients(Presets.DropAttention(Rate, DropPattern.Column), u);

        // Same masks, same forward (Eq. 4–6): the weight rows agree and the dropped key has weight 0.
        Assert.Equal(dropKey.Weights, noGrad.Weights, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(0.0, dropKey.Weights[dropped]);

        // Footnote 1: DropAttention without NoGrad has DropKey's backward pass — every LoRA gradient equal.
        Assert.Equal(dropKey.B, withGradient.B, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(dropKey.A, withGradient.A, (a, b) => Math.Abs(a - b) < 1e-12);

        // Eq. 10: along the kept logit gᵤ, DropKey's gradient is k = (1 − w'ᵤ)/(1 − wᵤ) times NoGrad DropAttention's,
        // with w the undropped softmax of the same logits (computed here from the query projection itself).
        var (_, query) = UnitAttention();
        double[] logits;
        using (no_grad()) logits = query.call(Hidden())[0, Query].data<double>().ToArray();
        double w = Math.Exp(logits[u]) / logits.Sum(Math.Exp);
        double k = (1 - dropKey.Weights[u]) / (1 - w);
        Assert.True(k < 0.99, $"k = {k}: the dropped keys must carry enough weight for the factor to be visible");
        var dropKeyRow = Row(dropKey.B, u);
        var noGradRow = Row(noGrad.B, u);
        Assert.All(noGradRow, g => Assert.True(Math.Abs(g) > 1e-6, "the gradient along gᵤ must not vanish"));
        for (int i = 0; i < dropKeyRow.Length; i++) Assert.Equal(k * noGradRow[i], dropKeyRow[i], 1e-12);

        // Eq. 7 vs Eq. 8: the dropped logit gets no gradient from DropKey, and a non-zero one from NoGrad DropAttention.
        Assert.All(Row(dropKey.B, dropped), g => Assert.Equal(0.0, g));
        Assert.All(Row(noGrad.B, dropped), g => Assert.True(Math.Abs(g) > 1e-6, $"Eq. 8: NoGrad leaks gradient to the dropped logit ({g})"));
        Assert.True(dropKey.A.Zip(noGrad.A).Max(p => Math.Abs(p.First - p.Second)) > 1e-9, "A's gradient differs too");
    }

    [Theory]
    [InlineData(DropPattern.Element)]
    [InlineData(DropPattern.Column)]
    public void In_the_whole_model_DropKey_and_DropAttention_with_gradient_give_equal_LoRA_gradients_and_NoGrad_differs(DropPattern pattern)
    {
        double[] AdapterGradients(DropoutPlan plan)
        {
            var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 2, Alpha: 4), seed: 8);
            model.to(ScalarType.Float64);
            model.FreezeForLora();
            using (no_grad())
            {
                manual_seed(4);
                foreach (var adapter in LoraParameters.Adapters(model)) adapter.B.weight!.normal_(0, 0.2);
            }
            manual_seed(MaskSeed);
            var logits = model.Forward(TinyModels.Batch(), plan).Logits;
            TorchSharp.torch.nn.functional.cross_entropy(logits, TinyModels.Labels(0, 1, 1, 0)).backward();
            return model.named_parameters().Where(p => LoraParameters.IsAdapter(p.name))
                .SelectMany(p => p.parameter.grad!.flatten().data<double>().ToArray()).ToArray();
        }

        var dropKey = AdapterGradients(Presets.DropKey(0.3, pattern));
        var withGradient = AdapterGradients(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, pattern, 0.3, Normalization: AttentionNormalization.WithGradient)));
        var noGrad = AdapterGradients(Presets.DropAttention(0.3, pattern));

        Assert.Equal(dropKey, withGradient, (a, b) => Math.Abs(a - b) <= 1e-10 + 1e-8 * Math.Abs(b));
        Assert.True(dropKey.Zip(noGrad).Max(p => Math.Abs(p.First - p.Second)) > 1e-6, "NoGrad DropAttention's backward pass differs (Eq. 8–9)");
    }
}
