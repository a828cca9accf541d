using System.Globalization;
using System.Text;
using Pipeline.Reports;
using Pipeline.Storage;

namespace Pipeline.Analysis;

/// <summary>
/// <c>pipeline analyze gradients</c>'s output folder: <c>gradient-norms.csv</c> (per layer and plan),
/// <c>gradient-factor.csv</c> (Eq. 10's k per layer), and two figures drawn like the report's, each with the CSV of
/// what it plots: <c>figure-gradient-norms</c> (‖∇LoRA‖ per layer, one line per plan) and
/// <c>figure-gradient-factor</c> (k's 5% and 25% quantiles, median and w'-weighted mean per layer).
/// </summary>
public static class GradientNoiseFiles
{
    public const string Norms = "gradient-norms.csv", Factors = "gradient-factor.csv";

    public static IReadOnlyList<string> Write(GradientNoiseResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var norms = new StringBuilder("layer,plan,lora_a_norm,lora_b_norm,cosine_to_dropkey,norm_ratio_to_dropkey\n");
        foreach (var g in result.Gradients)
            norms.Append(Layer(g.Layer)).Append(',').Append(g.Plan).Append(',').Append(F(g.LoraANorm)).Append(',').Append(F(g.LoraBNorm))
                .Append(',').Append(F(g.CosineToDropKey)).Append(',').Append(F(g.NormRatioToDropKey)).Append('\n');
        var factors = new StringBuilder("layer,count,min,q05,q25,median,q75,q95,max,mean,share_below_0.9,corr_with_dropped_mass,mean_dropped_mass,weighted_mean\n");
        foreach (var f in result.Factors)
            factors.AppendJoin(',', [f.Layer.ToString(CultureInfo.InvariantCulture), f.Count.ToString(CultureInfo.InvariantCulture),
                F(f.Min), F(f.Q05), F(f.Q25), F(f.Median), F(f.Q75), F(f.Q95), F(f.Max), F(f.Mean), F(f.ShareBelow09), F(f.CorrelationWithDroppedMass), F(f.MeanDroppedMass), F(f.WeightedMean)]).Append('\n');
        string normsPath = Path.Combine(directory, Norms), factorsPath = Path.Combine(directory, Factors);
        AtomicFile.WriteAllText(normsPath, norms.ToString());
        AtomicFile.WriteAllText(factorsPath, factors.ToString());

        string rate = $"{Vocabulary.YamlVocabulary.NameOf(result.Pattern)} rate {result.Rate:0.###}, {result.Batches} batches";
        var perLayer = result.Gradients.Where(g => g.Layer != LayerGradient.AllLayers).ToList();
        var normFigure = ReportFigures.Lines(directory, "figure-gradient-norms", $"‖∇LoRA‖ per layer (mean over batches; {rate})", "layer", "‖∇LoRA (A, B)‖",
            perLayer.GroupBy(g => g.Plan).Select(g => (g.Key, (IReadOnlyList<(double, double)>)g.Select(x => ((double)x.Layer, x.Norm)).ToList())).ToList());
        var measured = result.Factors.Where(f => f.Count > 0).ToList();
        IReadOnlyList<(double, double)> Series(Func<FactorSummary, double> read) => measured.Select(f => ((double)f.Layer, read(f))).ToList();
        var factorFigure = ReportFigures.Lines(directory, "figure-gradient-factor", $"Eq. 10's k = (1 − w'ᵤ)/(1 − wᵤ) per layer under DropKey ({rate})", "layer", "k",
            [("q05", Series(f => f.Q05)), ("q25", Series(f => f.Q25)), ("median", Series(f => f.Median)), ("mean weighted by w'", Series(f => f.WeightedMean))]);
        return [normsPath, factorsPath, normFigure.Png, factorFigure.Png];
    }

    static string Layer(int layer) => layer == LayerGradient.AllLayers ? "all" : layer.ToString(CultureInfo.InvariantCulture);

    static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
