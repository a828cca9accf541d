using System.Globalization;
using System.Text;
using Pipeline.Runs;
using Pipeline.Storage;

namespace Pipeline.Reports;

/// <summary>
/// <c>pipeline report --format markdown --output DIR</c>: <c>DIR/report.md</c> with the Table 1 layout, the
/// significance of each method against the baseline, every variant, and the figures (<c>DIR/figures/</c>,
/// <see cref="ReportFigures"/>). The same runs give the same bytes of Markdown and CSV (sorted, invariant numbers,
/// a seeded bootstrap).
/// </summary>
public static class MarkdownReport
{
    public static string Write(RunReportResult report, SignificanceResult? significance, string directory, string source)
    {
        var table = new MethodTable(report);
        var figures = ReportFigures.Write(report, table, Path.Combine(directory, "figures"));
        var md = new StringBuilder();
        void Line(string line = "") => md.Append(line).Append('\n');

        Line("# Results");
        Line();
        Line($"From `{source}`: {report.Runs.Count} complete run(s) of {report.Variants.Select(v => v.Experiment).Distinct().Count()} experiment(s), " +
             $"{report.Variants.Count} variant(s). Written by `pipeline report --format markdown`.");
        Line();

        Line("## Test scores per task");
        Line();
        Line("Median over seeds ± standard deviation of the test score; each method at its best variant on dev (median of each " +
             "run's best dev score); best per column in bold. Average: the mean over tasks, for a method run on every task.");
        Line();
        Line("| method | " + string.Join(" | ", table.Tasks) + " | average |");
        Line("|---|" + string.Concat(table.Tasks.Select(_ => "---|")) + "---|");
        foreach (string method in table.Methods)
        {
            var cells = table.Tasks.Select(task =>
            {
                if (!table.Cells.TryGetValue((method, task), out var cell)) return "–";
                string value = $"{F4(cell.MedianTest)} ± {F4(cell.StdTest)}";
                return cell.MedianTest == table.BestOf(task) ? $"**{value}**" : value;
            });
            Line($"| {method} | {string.Join(" | ", cells)} | {(table.Average(method) is double average ? F4(average) : "–")} |");
        }
        Line();
        Line("Variant and seeds of each cell: " + string.Join("; ", table.Cells.OrderBy(c => c.Key.Method, StringComparer.Ordinal).ThenBy(c => c.Key.Task, StringComparer.Ordinal)
            .Select(c => $"{c.Key.Method} on {c.Key.Task}: `{c.Value.Variant.Variant}`, {c.Value.Variant.Primary}, seeds {string.Join(",", c.Value.Variant.Seeds)}")) + ".");
        Line();

        if (significance is not null)
        {
            Line($"## Significance against {significance.Baselines[0].Experiment}");
            Line();
            Line($"Δ = method − baseline ({string.Join("; ", significance.Baselines.Select(b => $"`{b.Variant}` on {b.Dataset}"))}) on the test split. Paired bootstrap over the test " +
                 $"examples of the common seeds pooled ({significance.Rows.FirstOrDefault()?.Bootstrap.Resamples ?? 0:N0} resamples, seeded): Δ, " +
                 "95 % interval, two-sided p. Over seeds: exact two-sided Wilcoxon signed-rank and sign tests of the per-seed test " +
                 $"differences ({SmallestSeedP(significance.Rows)}).");
            Line();
            Line("| method | variant | task | metric | seeds | Δ test | 95 % CI | p (bootstrap) | p (Wilcoxon) | p (sign) |");
            Line("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in significance.Rows)
                Line($"| {r.Experiment} | `{r.Variant}` | {r.Dataset} | {r.Metric} | {string.Join(",", r.Seeds)} | {Signed(r.Bootstrap.Difference)} | " +
                     $"[{Signed(r.Bootstrap.Low)}, {Signed(r.Bootstrap.High)}] | {F4(r.Bootstrap.PValue)} | {F4(r.Wilcoxon)} | {F4(r.Sign)} |");
            foreach (string skipped in significance.Skipped)
                Line($"\nNot compared: {skipped}.");
            Line();
        }

        Line("## Every variant");
        Line();
        Line("| experiment | variant | task | seeds | metric | dev (median) | dev mean ± std | test (median) | best epoch | final train loss | final dev loss |");
        Line("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var v in report.Variants.OrderBy(v => v.Experiment, StringComparer.Ordinal).ThenBy(v => v.Variant, StringComparer.Ordinal))
            Line($"| {v.Experiment} | `{v.Variant}` | {v.Dataset} | {string.Join(",", v.Seeds)} | {v.Primary} | {F4(v.MedianBestDev)} | " +
                 $"{F4(v.MeanBestDev)} ± {F4(v.StdBestDev)} | {(v.MedianTest is double t ? F4(t) : "–")} | {v.MedianBestEpoch.ToString("0.#", CultureInfo.InvariantCulture)} | " +
                 $"{F3(v.MedianFinalTrainLoss)} | {F3(v.MedianFinalDevLoss)} |");
        Line();

        Line("## Figures");
        Line();
        foreach (var figure in figures)
        {
            string png = Path.GetRelativePath(directory, figure.Png).Replace('\\', '/');
            string csv = Path.GetRelativePath(directory, figure.Csv).Replace('\\', '/');
            Line($"**{figure.Caption}** ([numbers]({csv}))");
            Line();
            Line($"![{figure.Caption}]({png})");
            Line();
        }

        string path = Path.Combine(directory, "report.md");
        AtomicFile.WriteAllText(path, md.ToString());
        return path;
    }

    static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
    static string F3(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
    static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    /// <summary>What the tests over seeds can reach: with n seeds, all differences one way give p = 2 / 2ⁿ at best.</summary>
    public static string SmallestSeedP(IReadOnlyList<Runs.Significance> rows)
    {
        int seeds = rows.Count == 0 ? 5 : rows.Max(r => r.Seeds.Count);
        return $"with {seeds} seed{(seeds == 1 ? "" : "s")} neither goes below {Math.Min(1, 2 / Math.Pow(2, seeds)).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
