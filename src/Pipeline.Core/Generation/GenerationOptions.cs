namespace Pipeline.Generation;

/// <summary>How the next token is chosen.</summary>
public enum DecodingStrategy
{
    /// <summary>The most likely token at each step.</summary>
    Greedy,
    /// <summary>A token drawn from the (temperature-scaled, top-k and top-p filtered) distribution, from a seeded generator.</summary>
    Sample,
    /// <summary>Beam search over <see cref="GenerationOptions.NumBeams"/> hypotheses, as HF's generate does.</summary>
    Beam,
}

/// <summary>
/// Options of <see cref="TextGenerator"/>; names and defaults follow HF's GenerationConfig where it has the option, so a
/// setting means here what it means there.
/// </summary>
/// <param name="MaxNewTokens">At most this many tokens after the prompt (the end-of-text token counts).</param>
/// <param name="Temperature">Sampling: logits are divided by it before softmax (HF: 1.0).</param>
/// <param name="TopK">Sampling: keep the k most likely tokens; 0 keeps all (HF: 50).</param>
/// <param name="TopP">Sampling: keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all (HF: 1.0).</param>
/// <param name="Seed">Sampling: the generator's seed; the same seed, prompts and model give the same text.</param>
/// <param name="NumBeams">Beam search: hypotheses kept per prompt.</param>
/// <param name="LengthPenalty">
/// Beam search: a finished hypothesis scores sum(log p) / length^penalty, length = its generated tokens, the
/// end-of-text token included (HF's, where the prompt does not count); above 0 favours longer texts, 1 is the mean.
/// </param>
/// <param name="NoRepeatNgramSize">Every strategy: no n-gram of this size occurs twice in prompt + text; 0 turns it off.</param>
/// <param name="EarlyStopping">
/// Beam search: stop a prompt as soon as it has <see cref="NumBeams"/> finished hypotheses (HF's True); false (HF's
/// default) stops when no running beam can still beat the worst of them.
/// </param>
/// <param name="UseCache">Reuse the keys and values of earlier tokens (<see cref="Models.KvCache"/>); false recomputes the whole sequence each step (same tokens, slower; for checking).</param>
public sealed record GenerationOptions(
    DecodingStrategy Strategy = DecodingStrategy.Greedy,
    int MaxNewTokens = 32,
    double Temperature = 1.0,
    int TopK = 50,
    double TopP = 1.0,
    long Seed = 0,
    int NumBeams = 4,
    double LengthPenalty = 1.0,
    int NoRepeatNgramSize = 0,
    bool EarlyStopping = false,
    bool UseCache = true)
{
    /// <summary>Every problem with the options, in words a user can act on.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxNewTokens < 1) yield return $"max new tokens must be at least 1, not {MaxNewTokens}";
        if (!(Temperature > 0)) yield return $"temperature must be above 0, not {Temperature}";
        if (TopK < 0) yield return $"top-k must be 0 (off) or more, not {TopK}";
        if (!(TopP > 0 && TopP <= 1)) yield return $"top-p must be in (0, 1], not {TopP}";
        if (NumBeams < 1) yield return $"the number of beams must be at least 1, not {NumBeams}";
        if (NoRepeatNgramSize < 0) yield return $"no-repeat n-gram size must be 0 (off) or more, not {NoRepeatNgramSize}";
        if (double.IsNaN(LengthPenalty) || double.IsInfinity(LengthPenalty)) yield return $"length penalty must be a finite number, not {LengthPenalty}";
    }

    /// <summary>These options, or an <see cref="ArgumentException"/> listing every problem.</summary>
    public GenerationOptions Checked()
    {
        var errors = Validate().ToList();
        return errors.Count == 0 ? this : throw new ArgumentException("invalid generation options: " + string.Join("; ", errors));
    }
}

/// <summary>
/// One prompt's generated tokens (the end-of-text token left out) and whether the model ended the text; beam search
/// also gives the winning hypothesis' length-penalised score.
/// </summary>
public sealed record Completion(IReadOnlyList<int> Tokens, bool EndedWithEos, double? Score = null);
