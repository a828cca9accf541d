using System.Globalization;
using System.Text;
using Pipeline.Runs;
using Pipeline.Storage;

namespace Pipeline.Reports;

/// <summary>A figure of the report: its PNG, the CSV of the numbers it plots (beside it), and a caption.</summary>
public sealed record Figure(string Png, string Csv, string Caption);

/// <summary>
/// The report's figures, drawn with ScottPlot. Each PNG has a CSV of exactly what it plots beside it, so the numbers
/// can be read (and tested) without the picture:
/// <list type="bullet">
/// <item><c>curves-&lt;task&gt;-&lt;quantity&gt;</c>: per epoch, each method's best variant, median over seeds of the train loss,
/// the dev loss and the dev metric (the paper's Figure 6: where training overfits);</item>
/// <item><c>sweep-&lt;experiment&gt;</c>: the median best dev score over an experiment's grid, the first numeric axis
/// along x and one line per value of the others (rates per position and pattern, Figures 4–5; KL weights);</item>
/// <item><c>cost</c>: seconds per epoch of each method's best variant (the cost of KL's second pass).</item>
/// </list>
/// </summary>
public static class ReportFigures
{
    const int Width = 720, Height = 440;

    public static IReadOnlyList<Figure> Write(RunReportResult report, MethodTable table, string directory)
    {
        Directory.CreateDirectory(directory);
        var figures = new List<Figure>();
        foreach (string task in table.Tasks)
        {
            var methods = table.Methods.Where(m => table.Cells.ContainsKey((m, task))).Select(m => table.Cells[(m, task)].Variant).ToList();
            string metric = methods[0].Primary;
            foreach (var (quantity, label, read) in Quantities(metric))
            {
                var series = methods.Select(v => (Name: v.Experiment, Points: Curve(report, v, read))).ToList();
                figures.Add(Lines(directory, $"curves-{Slug(task)}-{quantity}", $"{label} per epoch on {task} (median over seeds, each method at its best variant)",
                    "epoch", label, series));
            }
        }

        foreach (var experiment in report.Variants.GroupBy(v => v.Experiment).Where(g => g.Count() > 1))
            if (Sweep(experiment.ToList()) is { } sweep)
                figures.Add(Lines(directory, $"sweep-{Slug(experiment.Key)}", $"{experiment.Key}: median best dev {experiment.First().Primary} over its grid",
                    sweep.Axis, $"best dev {experiment.First().Primary}", sweep.Series));

        var cost = table.Methods.Select(m => (Name: m, Seconds: SecondsPerEpoch(report, table, m))).ToList();
        figures.Add(Bars(directory, "cost", "seconds per epoch (median over seeds and tasks; each method at its best variant)", cost));
        return figures;
    }

    static IEnumerable<(string Slug, string Label, Func<Training.EpochRecord, double> Read)> Quantities(string metric) =>
    [
        ("train-loss", "train loss", r => r.TrainLoss),
        ("dev-loss", "dev loss", r => r.DevLoss),
        ($"dev-{Slug(metric)}", $"dev {metric}", r => r.Score),
    ];

    /// <summary>Per epoch, the median over the variant's seeds (epochs some seeds lack — early stopping — use the others).</summary>
    static IReadOnlyList<(double X, double Y)> Curve(RunReportResult report, VariantSummary variant, Func<Training.EpochRecord, double> read) =>
        report.Runs.Where(r => r.Metrics.Experiment == variant.Experiment && r.Metrics.Variant == variant.Variant)
            .SelectMany(r => r.Metrics.History)
            .GroupBy(h => h.Epoch).OrderBy(g => g.Key)
            .Select(g => ((double)g.Key, RunReport.Median(g.Select(read).ToList())))
            .ToList();

    /// <summary>
    /// A grid as lines: variant names "a=1,b=2" parsed into axes; the first axis whose values are all numbers is x,
    /// the rest name the lines. Null when no axis is numeric.
    /// </summary>
    static (string Axis, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> Series)? Sweep(IReadOnlyList<VariantSummary> variants)
    {
        var parsed = variants.Where(v => v.Variant != "default")
            .Select(v => (Variant: v, Axes: RunReport.VariantAxes(v.Variant)))
            .ToList();
        if (parsed.Count < 2) return null;
        var names = parsed[0].Axes.Keys.ToList();
        string? x = names.FirstOrDefault(a => parsed.All(p => p.Axes.TryGetValue(a, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)));
        if (x is null) return null;
        var series = parsed
            .GroupBy(p => string.Join(",", names.Where(a => a != x).Select(a => $"{a}={p.Axes.GetValueOrDefault(a) ?? "–"}")))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key.Length == 0 ? x : g.Key, Points: (IReadOnlyList<(double, double)>)g
                .Select(p => (double.Parse(p.Axes[x], CultureInfo.InvariantCulture), p.Variant.MedianBestDev)).OrderBy(p => p.Item1).ToList()))
            .ToList();
        return (x, series);
    }

    /// <summary>Whether sorted x values are drawn on a log scale: all positive, the largest at least 100 × the smallest.</summary>
    internal static bool IsLogarithmic(IReadOnlyList<double> sorted) => sorted.Count > 1 && sorted[0] > 0 && sorted[^1] / sorted[0] >= 100;

    static double SecondsPerEpoch(RunReportResult report, MethodTable table, string method)
    {
        var variants = table.Tasks.Where(t => table.Cells.ContainsKey((method, t))).Select(t => table.Cells[(method, t)].Variant).ToList();
        var perEpoch = report.Runs
            .Where(r => variants.Any(v => v.Experiment == r.Metrics.Experiment && v.Variant == r.Metrics.Variant) && r.Metrics.History.Count > 0)
            .Select(r => r.Metrics.WallSeconds / r.Metrics.History.Count).ToList();
        return perEpoch.Count > 0 ? RunReport.Median(perEpoch) : 0;
    }

    /// <summary>
    /// One line per series, saved as <paramref name="name"/>.png with the plotted points in <paramref name="name"/>.csv
    /// beside it. An x axis of positive values spanning two decades or more (a KL-weight grid such as 0.01 … 10) is
    /// drawn on a log scale, ticked at its values; the CSV keeps the values themselves.
    /// </summary>
    public static Figure Lines(string directory, string name, string caption, string xLabel, string yLabel,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series)
    {
        var plot = new ScottPlot.Plot();
        var csv = new StringBuilder("series,x,y\n");
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().Order().ToArray();
        bool logarithmic = IsLogarithmic(xs);
        double Position(double x) => logarithmic ? Math.Log10(x) : x;
        foreach (var (label, points) in series)
        {
            var line = plot.Add.Scatter(points.Select(p => Position(p.X)).ToArray(), points.Select(p => p.Y).ToArray());
            line.LegendText = label;
            foreach (var (x, y) in points) csv.Append(Cell(label)).Append(',').Append(F(x)).Append(',').Append(F(y)).Append('\n');
        }
        if (logarithmic)
        {
            plot.Axes.Bottom.SetTicks(xs.Select(Position).ToArray(), xs.Select(x => x.ToString("G", CultureInfo.InvariantCulture)).ToArray());
            xLabel += " (log scale)";
        }
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(ScottPlot.Edge.Right);
        return Save(plot, directory, name, caption, csv);
    }

    static Figure Bars(string directory, string name, string caption, IReadOnlyList<(string Name, double Seconds)> bars)
    {
        var plot = new ScottPlot.Plot();
        var csv = new StringBuilder("series,seconds_per_epoch\n");
        // Horizontal bars, names on the left in a margin as wide as the longest (rotated names under the bars were cut off).
        plot.Add.Bars(bars.Select(b => b.Seconds).ToArray()).Horizontal = true;
        plot.Axes.Left.SetTicks(Enumerable.Range(0, bars.Count).Select(i => (double)i).ToArray(), bars.Select(b => b.Name).ToArray());
        plot.Axes.Margins(left: 0);
        plot.XLabel("seconds per epoch");
        int longest = bars.Count == 0 ? 0 : bars.Max(b => b.Name.Length);
        plot.Layout.Fixed(new ScottPlot.PixelPadding(left: 20 + 8 * longest, right: 30, bottom: 50, top: 20));
        foreach (var (label, seconds) in bars) csv.Append(Cell(label)).Append(',').Append(F(seconds)).Append('\n');
        return Save(plot, directory, name, caption, csv);
    }

    static Figure Save(ScottPlot.Plot plot, string directory, string name, string caption, StringBuilder csv)
    {
        string png = Path.Combine(directory, name + ".png"), table = Path.Combine(directory, name + ".csv");
        string temporary = png + ".partial.png";
        plot.SavePng(temporary, Width, Height);
        File.Move(temporary, png, overwrite: true);
        AtomicFile.WriteAllText(table, csv.ToString());
        return new Figure(png, table, caption);
    }

    static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Cell(string text) => text.Contains(',') || text.Contains('"') ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;

    /// <summary>A name as a file name part: letters, digits and '-' kept, anything else '-'.</summary>
    public static string Slug(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
}
