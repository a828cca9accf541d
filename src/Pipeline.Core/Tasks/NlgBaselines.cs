using Pipeline.Data;

namespace Pipeline.Tasks;

/// <summary>
/// Two model-free baselines a generation task's scores must beat to mean anything, on the same split:
/// <list type="bullet">
/// <item><see cref="CopyInput"/>: the input itself (the prompt without its cue line), what a model that learned
/// nothing but copying would write;</item>
/// <item><see cref="NearestNeighbour"/>: the training target of the most similar training prompt (TF-IDF cosine over
/// lower-cased words), what retrieval from the training set writes — strong on templated data-to-text, where
/// similar inputs share their texts.</item>
/// </list>
/// </summary>
public static class NlgBaselines
{
    /// <summary>Each example's prompt without its last line when that is a cue such as "Text:" or "Summary:".</summary>
    public static IReadOnlyList<string> CopyInput(IReadOnlyList<Example> examples) => [.. examples.Select(e => WithoutCue(e.Text).Trim())];

    /// <summary>The prompt up to a final cue line (one ending in ':'), else all of it.</summary>
    public static string WithoutCue(string prompt)
    {
        int last = prompt.LastIndexOf('\n');
        return last >= 0 && prompt.TrimEnd().EndsWith(':') ? prompt[..last] : prompt;
    }

    /// <summary>
    /// For each example, the training target (<see cref="TextTarget.Text"/>, trimmed) of the training example whose
    /// prompt is nearest by cosine of TF-IDF word vectors (idf over the training prompts; ties: the earlier example).
    /// </summary>
    public static IReadOnlyList<string> NearestNeighbour(IReadOnlyList<Example> train, IReadOnlyList<Example> examples)
    {
        if (train.Count == 0) throw new ArgumentException("nearest-neighbour retrieval needs training examples");
        var trainWords = train.Select(e => Words(WithoutCue(e.Text))).ToList();
        var documentFrequency = trainWords.SelectMany(w => w.Distinct()).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        double Idf(string word) => Math.Log((1.0 + train.Count) / (1.0 + documentFrequency.GetValueOrDefault(word))) + 1;
        var trainVectors = trainWords.Select(w => Vector(w, Idf)).ToList();

        return [.. examples.Select(example =>
        {
            var query = Vector(Words(WithoutCue(example.Text)), Idf);
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < trainVectors.Count; i++)
            {
                double score = Dot(query, trainVectors[i]);
                if (score > bestScore) (best, bestScore) = (i, score);
            }
            return ((TextTarget)train[best].Target).Text.Trim();
        })];
    }

    /// <summary>Lower-cased runs of letters and digits.</summary>
    static List<string> Words(string text)
    {
        var words = new List<string>();
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return words;
    }

    /// <summary>A unit-length TF-IDF vector (term counts × idf).</summary>
    static Dictionary<string, double> Vector(List<string> words, Func<string, double> idf)
    {
        var vector = words.GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count() * idf(g.Key));
        double norm = Math.Sqrt(vector.Values.Sum(v => v * v));
        if (norm > 0) foreach (var key in vector.Keys) vector[key] /= norm;
        return vector;
    }

    static double Dot(Dictionary<string, double> a, Dictionary<string, double> b)
    {
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        double sum = 0;
        foreach (var (word, value) in small)
            if (large.TryGetValue(word, out var other)) sum += value * other;
        return sum;
    }
}
