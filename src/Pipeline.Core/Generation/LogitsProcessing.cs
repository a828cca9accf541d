using static TorchSharp.torch;

namespace Pipeline.Generation;

/// <summary>
/// What HF's logits processors and warpers do to next-token scores [R, V], in HF's order: the n-gram ban first
/// (every strategy), then, for sampling, temperature, top-k and top-p. A removed token gets −∞.
/// </summary>
static class LogitsProcessing
{
    /// <summary>
    /// HF's NoRepeatNGramLogitsProcessor: a token that would complete an n-gram already present in a row's
    /// <paramref name="history"/> (its real tokens: prompt, then generated) gets −∞. Padding is not part of a history,
    /// so a left-padded prompt is banned exactly what it would be alone.
    /// </summary>
    public static void BanRepeatedNgrams(Tensor scores, IReadOnlyList<List<int>> history, int n)
    {
        if (n <= 0) return;
        var banned = new List<long>();
        for (int row = 0; row < history.Count; row++)
        {
            var tokens = history[row];
            if (tokens.Count + 1 < n) continue;
            // The n − 1 tokens that the next one would extend.
            int start = tokens.Count - (n - 1);
            for (int i = 0; i + n <= tokens.Count; i++)
            {
                bool match = true;
                for (int j = 0; j < n - 1 && match; j++) match = tokens[i + j] == tokens[start + j];
                if (match) banned.Add(row * scores.shape[1] + tokens[i + n - 1]);
            }
        }
        if (banned.Count == 0) return;
        using var flat = scores.view(-1);
        using var index = tensor(banned.ToArray(), device: scores.device);
        flat.index_fill_(0, index, double.NegativeInfinity);
    }

    /// <summary>Temperature, top-k, top-p (HF's TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, in that order).</summary>
    public static Tensor Warp(Tensor scores, GenerationOptions options)
    {
        using var scope = NewDisposeScope();
        var warped = options.Temperature == 1.0 ? scores : scores / options.Temperature;
        if (options.TopK > 0 && options.TopK < scores.shape[1])
        {
            // Below the k-th largest score: removed (ties with it stay, as in HF).
            var kth = warped.topk(options.TopK, -1).values[.., ^1..];
            warped = warped.masked_fill(warped < kth, double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            // HF: sort ascending, drop the tokens whose cumulative probability stays ≤ 1 − p; the most likely always stays.
            var (sorted, order) = warped.sort(-1, descending: false);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            var remove = cumulative <= 1 - options.TopP;
            remove[.., ^1] = false;
            warped = warped.masked_fill(remove.scatter(1, order, remove), double.NegativeInfinity);
        }
        return warped.MoveToOuterDisposeScope();
    }
}
