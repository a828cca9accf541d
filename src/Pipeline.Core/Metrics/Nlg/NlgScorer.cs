namespace Pipeline.Metrics.Nlg;

/// <summary>Where the scorer finds what is not part of this repository: METEOR 1.5's jar.</summary>
/// <param name="MeteorJar">meteor-1.5.jar, with data/paraphrase-en.gz beside it; null: METEOR is not computed.</param>
public sealed record NlgOptions(string? MeteorJar = null);

/// <summary>
/// The NLG metrics of the paper's tables (E2E: BLEU, NIST, METEOR, ROUGE-L, CIDEr; WebNLG: BLEU, METEOR, TER) as
/// tuetschek/e2e-metrics (measure_scores.py -p) and tercom compute them: BLEU and NIST on mteval tokens
/// (<see cref="Bleu"/>, <see cref="Nist"/>), METEOR, ROUGE-L and CIDEr on Stanford PTB tokens without punctuation
/// (<see cref="CocoTokenizer"/>, <see cref="Meteor"/>, <see cref="RougeL"/>, <see cref="CiderD"/>), TER on
/// lower-cased words (<see cref="Ter"/>). docs/metrics.md gives the references and their commits.
/// </summary>
public static class NlgScorer
{
    public const string BleuName = "bleu", NistName = "nist", MeteorName = "meteor", RougeLName = "rouge-l", CiderName = "cider", TerName = "ter";

    /// <summary>What to tell a user who asked for METEOR without a jar.</summary>
    public const string MeteorUnavailable =
        "meteor: not computed — METEOR 1.5 runs only as its own jar; give the path of meteor-1.5.jar (data/paraphrase-en.gz beside it, Java on PATH) with --meteor-jar or NlgOptions.MeteorJar";

    /// <summary>names in order: "bleu", "nist", "meteor", "rouge-l", "cider", "ter"</summary>
    public static IReadOnlyList<string> Names { get; } = [BleuName, NistName, MeteorName, RougeLName, CiderName, TerName];

    /// <summary>False for ter (an error rate), true for the others.</summary>
    public static bool HigherIsBetter(string name) => Known(name) != TerName;

    /// <summary>
    /// Scores each hypothesis against its references (same count; each reference list non-empty). Returns the
    /// requested metrics by name, in <see cref="Names"/>' order, on e2e-metrics' scale: BLEU 0..1 like its printout,
    /// NIST ~0..10+, METEOR and ROUGE-L 0..1, CIDEr 0..10, TER a fraction. "meteor" is left out of the result when no
    /// jar is configured; asking for an unknown name throws ArgumentException.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Score(IReadOnlyList<string> hypotheses,
        IReadOnlyList<IReadOnlyList<string>> references, IEnumerable<string> metrics, NlgOptions? options = null)
    {
        var requested = metrics.Select(Known).ToHashSet();
        NlgInput.Check(hypotheses.Count, references);
        options ??= new NlgOptions();

        // pycocoevalcap tokenises the hypotheses in one batch and all references in another.
        (IReadOnlyList<string> Hypotheses, IReadOnlyList<IReadOnlyList<string>> References)? coco = null;
        (IReadOnlyList<string>, IReadOnlyList<IReadOnlyList<string>>) Coco() => coco ??= CocoTokens(hypotheses, references);

        var scores = new Dictionary<string, double>();
        foreach (var name in Names.Where(requested.Contains))
        {
            switch (name)
            {
                case BleuName: scores[name] = Bleu.Score(hypotheses, references); break;
                case NistName: scores[name] = Nist.Score(hypotheses, references); break;
                case MeteorName when options.MeteorJar is not null:
                    var (h, r) = Coco();
                    scores[name] = Meteor.ScoreTokenized(h, r, options.MeteorJar);
                    break;
                case MeteorName: break;   // no jar: not computed, never substituted
                case RougeLName: { var (hh, rr) = Coco(); scores[name] = RougeL.ScoreTokenized(hh, rr); break; }
                case CiderName: { var (hh, rr) = Coco(); scores[name] = CiderD.ScoreTokenized(hh, rr); break; }
                case TerName: scores[name] = Ter.Score(hypotheses, references); break;
            }
        }
        return scores;
    }

    static string Known(string name) =>
        Names.Contains(name) ? name : throw new ArgumentException($"unknown NLG metric '{name}'; the metrics are {string.Join(", ", Names)}");

    static (IReadOnlyList<string>, IReadOnlyList<IReadOnlyList<string>>) CocoTokens(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        var flat = CocoTokenizer.Tokenize([.. references.SelectMany(r => r)]);
        var grouped = new List<IReadOnlyList<string>>();
        int next = 0;
        foreach (var refs in references) { grouped.Add([.. flat.Skip(next).Take(refs.Count)]); next += refs.Count; }
        return (CocoTokenizer.Tokenize(hypotheses), grouped);
    }
}
