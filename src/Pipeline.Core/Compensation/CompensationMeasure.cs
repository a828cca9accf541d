using Pipeline.Vocabulary;

namespace Pipeline.Compensation;

/// <summary>
/// The paper's third dimension ("compensation measure", §2.5): an extra loss that makes the trained model's
/// dropout outputs agree, added to the task loss with a weight. Intrinsic rescaling lives in the patterns.
/// </summary>
public abstract record CompensationMeasure
{
    public static CompensationMeasure None { get; } = new NoCompensation();

    public abstract double Weight { get; }

    /// <summary>How the divergence is reduced over a batch's rows (<see cref="DivergenceReduction"/>); mean for the kinds without one.</summary>
    public virtual DivergenceReduction Reduction => DivergenceReduction.Mean;

    /// <summary>", sum" when the reduction is not the default mean: the plan's text is unchanged for the default.</summary>
    protected string ReductionSuffix => Reduction == DivergenceReduction.Mean ? "" : $", {YamlVocabulary.NameOf(Reduction)}";

    /// <summary>How many forward passes a training step makes (for cost reports: KL ≈ +50% time, paper §Limitations).</summary>
    public abstract int ForwardPasses { get; }

    public virtual IEnumerable<string> Validate()
    {
        if (!(Weight >= 0) || double.IsInfinity(Weight))
            yield return $"weight {Weight} must be a finite number ≥ 0";
    }
}

/// <summary>Task loss only.</summary>
[YamlName("none")]
public sealed record NoCompensation : CompensationMeasure
{
    public override double Weight => 0;
    public override int ForwardPasses => 1;
    public override string ToString() => "none";
}

/// <summary>Which branches of the KL compensation carry gradients.</summary>
public enum KlBranches
{
    /// <summary>
    /// The paper (Figure 3, Limitations): the second pass runs with fresh masks under no-grad;
    /// loss = task(P1) + w·½[KL(P1‖P2) + KL(P2‖P1)] with P2 detached.
    /// </summary>
    [YamlName("one")]
    OneWithGradient,

    /// <summary>R-Drop: both passes carry gradients; task loss averaged over both; same symmetric KL.</summary>
    [YamlName("both")]
    Both,
}

/// <summary>
/// Bidirectional KL between two dropout passes (Eq. 11, R-Drop). Regression: MSE between the passes' pooled
/// last-layer representations. <paramref name="Reduction"/>: mean (default) or sum over the batch's rows.
/// </summary>
[YamlName("bidirectional_kl")]
public sealed record BidirectionalKl(double Weight, KlBranches Branches = KlBranches.OneWithGradient, DivergenceReduction Reduction = DivergenceReduction.Mean)
    : CompensationMeasure
{
    public override double Weight { get; } = Weight;
    public override DivergenceReduction Reduction { get; } = Reduction;
    public override int ForwardPasses => 2;
    public override string ToString() => $"bidirectional_kl(w={Weight:0.###}{(Branches == KlBranches.Both ? ", both branches" : "")}{ReductionSuffix})";
}

/// <summary>
/// The paper's "JS" (Eq. 12): KL(P1‖P) with P the inference (dropout-free, eval-mode) output, computed
/// under no-grad. Despite the name it is a one-directional KL.
/// </summary>
[YamlName("js_to_inference")]
public sealed record JsToInference(double Weight, DivergenceReduction Reduction = DivergenceReduction.Mean) : CompensationMeasure
{
    public override double Weight { get; } = Weight;
    public override DivergenceReduction Reduction { get; } = Reduction;
    public override int ForwardPasses => 2;
    public override string ToString() => $"js_to_inference(w={Weight:0.###}{ReductionSuffix})";
}

/// <summary>
/// HiddenCut's official loss: task(uncut) + task(cut) + w·½[KL(m‖p) + KL(m‖q)], m = (p+q)/2, with p the
/// plan-free pass and q the dropout pass, both carrying gradients.
/// </summary>
[YamlName("hiddencut_js")]
public sealed record HiddenCutJs(double Weight, DivergenceReduction Reduction = DivergenceReduction.Mean) : CompensationMeasure
{
    public override double Weight { get; } = Weight;
    public override DivergenceReduction Reduction { get; } = Reduction;
    public override int ForwardPasses => 2;
    public override string ToString() => $"hiddencut_js(w={Weight:0.###}{ReductionSuffix})";
}
