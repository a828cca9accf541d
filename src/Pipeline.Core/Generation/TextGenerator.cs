using Pipeline.Models;
using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Generation;

/// <summary>
/// Text generation with a causal decoder (<see cref="ICausalLanguageModel"/>): greedy, sampling or beam search
/// (<see cref="GenerationOptions"/>), for a batch of prompts at once. Prompts are <b>left</b>-padded, so every row's
/// next token is read at the same index; the model counts positions over real tokens, so each prompt generates what it
/// would alone. Decoding is dropout-free and without gradients.
/// </summary>
public static class TextGenerator
{
    /// <summary>
    /// Generates a completion of each prompt's text and decodes it (the end-of-text token left out). Each prompt is read
    /// as the tokenizer's <see cref="DecoderTokenizer.Start"/> (LLaMA's &lt;s&gt;) + its own ids.
    /// </summary>
    public static IReadOnlyList<string> Generate(ICausalLanguageModel model, DecoderTokenizer tokenizer, IReadOnlyList<string> prompts, GenerationOptions options) =>
        Generate(model, [.. prompts.Select(p => (IReadOnlyList<int>)[.. tokenizer.Start, .. tokenizer.Encode(p)])], options, tokenizer.EosId, tokenizer.PadId)
            .Select(c => tokenizer.Decode(c.Tokens)).ToList();

    /// <summary>
    /// The completion of each prompt (token ids, each at least one token: a model reads something before it predicts).
    /// A row stops at <paramref name="eosId"/> or after <see cref="GenerationOptions.MaxNewTokens"/>.
    /// </summary>
    public static IReadOnlyList<Completion> Generate(ICausalLanguageModel model, IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options, int eosId, int padId)
    {
        options = options.Checked();
        if (prompts.Count == 0) return [];
        if (prompts.FirstOrDefault(p => p.Count == 0) is not null)
            throw new ArgumentException("an empty prompt: the model needs at least one token to predict the next (GPT-2 starts texts with <|endoftext|>)");
        // The last generated token is never read back, so the longest row reads prompt + MaxNewTokens − 1 tokens.
        int longest = prompts.Max(p => p.Count);
        if (longest + options.MaxNewTokens - 1 > model.MaxPositions)
            throw new ArgumentException($"the longest prompt has {longest} tokens; with {options.MaxNewTokens} new tokens that exceeds the model's " +
                $"{model.MaxPositions} positions: shorten the prompt or ask for at most {Math.Max(0, model.MaxPositions - longest + 1)} new tokens");
        var device = ((nn.Module)model).parameters().First().device;
        var (ids, mask) = LeftPad(prompts, padId, device);
        using (ids)
        using (mask)
        {
            return options.Strategy == DecodingStrategy.Beam
                ? BeamSearch.Run(model, ids, mask, prompts, options, eosId, padId)
                : GreedyOrSample(model, ids, mask, prompts, options, eosId, padId);
        }
    }

    /// <summary>Prompts as [B, L] int64 ids and mask, padded on the left with <paramref name="padId"/>.</summary>
    public static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, int padId, Device? device = null)
    {
        int length = prompts.Max(p => p.Count);
        var ids = new long[prompts.Count * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        for (int b = 0; b < prompts.Count; b++)
        {
            int offset = b * length + length - prompts[b].Count;
            for (int i = 0; i < prompts[b].Count; i++)
            {
                ids[offset + i] = prompts[b][i];
                mask[offset + i] = 1;
            }
        }
        long[] shape = [prompts.Count, length];
        return (tensor(ids, shape, device: device), tensor(mask, shape, device: device));
    }

    /// <summary>
    /// Greedy and sampling share HF's loop: choose a token per unfinished row, pad the finished ones, stop when every
    /// row has ended its text or the budget is spent.
    /// </summary>
    static IReadOnlyList<Completion> GreedyOrSample(ICausalLanguageModel model, Tensor ids, Tensor mask, IReadOnlyList<IReadOnlyList<int>> prompts,
        GenerationOptions options, int eosId, int padId)
    {
        int rows = prompts.Count;
        var history = prompts.Select(p => p.ToList()).ToList();
        var generated = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var finished = new bool[rows];
        // Sampling draws from its own generator (on the CPU, so a seed gives the same text on every device).
        using var random = options.Strategy == DecodingStrategy.Sample ? new Generator((ulong)options.Seed) : null;
        using var session = new DecodingSession(model, ids, mask, options.UseCache);
        for (int step = 0; step < options.MaxNewTokens && !finished.All(f => f); step++)
        {
            using var scope = NewDisposeScope();
            var scores = session.NextLogits();
            LogitsProcessing.BanRepeatedNgrams(scores, history, options.NoRepeatNgramSize);
            Tensor next;
            if (random is null)
                next = scores.argmax(-1);
            else
            {
                var probabilities = LogitsProcessing.Warp(scores, options).softmax(-1).cpu();
                next = multinomial(probabilities, 1, generator: random).view(-1);
            }
            var chosen = next.cpu().data<long>().ToArray();
            for (int r = 0; r < rows; r++)
            {
                if (finished[r]) chosen[r] = padId;
                else if (chosen[r] == eosId) finished[r] = true;
                else
                {
                    generated[r].Add((int)chosen[r]);
                    history[r].Add((int)chosen[r]);
                }
            }
            if (step + 1 < options.MaxNewTokens && !finished.All(f => f))
                session.Append(tensor(chosen, device: scores.device));
        }
        return [.. generated.Select((g, r) => new Completion(g, finished[r]))];
    }
}
