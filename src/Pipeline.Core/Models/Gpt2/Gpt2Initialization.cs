using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models.Gpt2;

/// <summary>
/// HF's <c>GPT2PreTrainedModel._init_weights</c>, for a decoder trained from scratch: every linear weight and both
/// embeddings ~ N(0, 0.02), biases 0, LayerNorm weight 1 and bias 0; then the two projections that write into the
/// residual stream (<c>attn.c_proj</c>, <c>mlp.c_proj</c>) ~ N(0, 0.02/√(2·n_layer)) — GPT-2's scaling, so the
/// residual sum of 2·n_layer such outputs keeps the variance of one.
/// </summary>
public static class Gpt2Initialization
{
    public const double Std = 0.02;

    /// <summary>Draws the weights from torch's generator (seed it first for a repeatable model).</summary>
    public static void Apply(Gpt2Model model)
    {
        var config = (Gpt2Config)model.Config;
        double residualStd = Std / Math.Sqrt(2.0 * config.NLayer);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            bool layerNorm = name.StartsWith("ln_f.", StringComparison.Ordinal) || name.Contains(".ln_1.", StringComparison.Ordinal) || name.Contains(".ln_2.", StringComparison.Ordinal);
            if (layerNorm) { if (name.EndsWith(".weight", StringComparison.Ordinal)) parameter.fill_(1.0); else parameter.zero_(); }
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else if (IsResidualProjection(name)) parameter.normal_(0, residualStd);
            else parameter.normal_(0, Std);
        }
    }

    /// <summary><c>h.{i}.attn.c_proj.weight</c> and <c>h.{i}.mlp.c_proj.weight</c>.</summary>
    public static bool IsResidualProjection(string name) => name.EndsWith(".c_proj.weight", StringComparison.Ordinal);
}
