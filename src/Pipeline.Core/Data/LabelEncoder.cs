using System.Globalization;

namespace Pipeline.Data;

/// <summary>
/// Turns raw label strings into an <see cref="Example.Target"/>: a class index into the label names, a
/// regression target, or a text to generate. One place for the rule, so every format reports an unknown label the same way.
/// </summary>
public sealed class LabelEncoder
{
    readonly IReadOnlyDictionary<string, string>? map;
    readonly Dictionary<string, int>? index;

    LabelEncoder(TaskKind kind, IReadOnlyList<string> labels, IReadOnlyDictionary<string, string>? map)
    {
        Kind = kind;
        Labels = labels;
        this.map = map;
        if (kind is not (TaskKind.Regression or TaskKind.Generation))
        {
            index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < labels.Count; i++)
            {
                if (!index.TryAdd(labels[i], i)) throw new ArgumentException($"label '{labels[i]}' is listed twice");
            }
            if (labels.Count < 2)
            {
                throw new InvalidDataException(
                    $"classification needs at least 2 labels, found {labels.Count} ({string.Join(", ", labels)}); list the classes in the data options' labels, or set regression for a numeric target");
            }
        }
    }

    public TaskKind Kind { get; }

    /// <summary>Label names in class-index order (empty for regression).</summary>
    public IReadOnlyList<string> Labels { get; }

    public static LabelEncoder ForRegression() => new(TaskKind.Regression, [], null);

    /// <summary>Generation: the label is the target text, kept as written, with its references.</summary>
    public static LabelEncoder ForGeneration() => new(TaskKind.Generation, [], null);

    /// <summary>
    /// Classification. Raw values are first renamed through <paramref name="map"/> (raw → label name; unmapped
    /// values stay as they are). Without <paramref name="labels"/> the names are the distinct values found in
    /// <paramref name="rows"/>: in numeric order when all are integers ("-1" before "1", "2" before "10"), else ordinal.
    /// </summary>
    public static LabelEncoder ForClassification(TaskKind kind, IReadOnlyList<string>? labels, IReadOnlyDictionary<string, string>? map, IEnumerable<RawExample> rows)
    {
        if (kind is TaskKind.Regression or TaskKind.Generation) throw new ArgumentException($"use ForRegression or ForGeneration for a {kind} task");
        if (labels is null or { Count: 0 })
        {
            var found = rows.Select(r => Rename(map, r.Label)).Distinct(StringComparer.Ordinal).ToList();
            bool numeric = found.All(v => long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
            labels = numeric
                ? found.OrderBy(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList()
                : found.Order(StringComparer.Ordinal).ToList();
        }
        return new LabelEncoder(kind, labels, map);
    }

    public Example Encode(RawExample row) => new(row.Text, row.TextPair, Target(row));

    public Target Target(RawExample row)
    {
        if (Kind == TaskKind.Generation) return new TextTarget(row.Label, row.References ?? [row.Label]) { Subset = row.Subset };
        if (Kind == TaskKind.Regression)
        {
            if (float.TryParse(row.Label, NumberStyles.Float, CultureInfo.InvariantCulture, out float target) && float.IsFinite(target)) return new NumberTarget(target);
            throw new InvalidDataException($"{row.File}:{row.Line}: regression target '{row.Label}' is not a finite number");
        }
        string name = Rename(map, row.Label);
        if (index!.TryGetValue(name, out int i)) return new ClassTarget(i);
        string renamed = name == row.Label ? "" : $" (mapped from '{row.Label}')";
        throw new InvalidDataException(
            $"{row.File}:{row.Line}: unknown label '{name}'{renamed}; expected one of: {string.Join(", ", Labels)} (set the labels or the label map in the data options)");
    }

    static string Rename(IReadOnlyDictionary<string, string>? map, string raw) =>
        map is not null && map.TryGetValue(raw, out var name) ? name : raw;
}
