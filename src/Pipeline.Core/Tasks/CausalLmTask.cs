using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Metrics;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Text;
using Pipeline.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Pipeline.Tasks;

/// <summary>
/// Causal language modelling of prompt → target texts (the paper's NLG fine-tuning: E2E, WebNLG): a decoder reads
/// <c>start + prompt + target + end-of-text</c> and learns to predict the target's tokens and the end-of-text, never
/// the prompt's (they are context). The loss is the cross-entropy per target token (optionally label-smoothed, as the
/// paper's NLG runs do with 0.1), averaged over the batch's target tokens; the compensations compare the passes'
/// next-token distributions at the same target tokens (<see cref="Divergences"/> with a token mask). Evaluation is
/// teacher-forced: perplexity of the target tokens (primary) and next-token accuracy; generation metrics are
/// scored from generated text (<c>pipeline generate</c>).
/// </summary>
public sealed class CausalLmTask : FineTuningTask
{
    /// <summary>The label of a position whose next token is not learned (prompt, padding): cross-entropy's ignore index.</summary>
    public const long Ignored = -100;

    readonly double labelSmoothing;

    public CausalLmTask(TaskMetric? primary = null, double labelSmoothing = 0)
    {
        Primary = Checked(primary ?? TaskMetric.Perplexity, Metrics, "generation");
        this.labelSmoothing = CheckedSmoothing(labelSmoothing);
    }

    public override TaskMetric Primary { get; }
    public override IReadOnlyList<TaskMetric> Metrics => [TaskMetric.Perplexity, TaskMetric.TokenAccuracy];
    public double LabelSmoothing => labelSmoothing;

    /// <summary>The decoder's own next-token head, whatever head or pooling the experiment names (they are for classifiers).</summary>
    public override TaskHead CreateHead(HeadKind kind, Pooling pooling, long hiddenSize) => new LanguageModelHead();

    /// <summary>
    /// <c>start + prompt + target + eos</c> with the decoder's tokenizer; the prompt part (start included) is context.
    /// Too long for <paramref name="maxLength"/>: the target keeps its beginning (at most all but one position), then
    /// the prompt keeps its end — what is nearest the target is what conditions it most.
    /// </summary>
    public override EncodedSplit Encode(IReadOnlyList<Example> examples, PretrainedModel model, int maxLength)
    {
        if (model.DecoderTokenizer is not { } tokenizer)
            throw new ArgumentException($"model '{model.Name}' ({model.Config.Describe()}) is not a decoder with a tokenizer: a generation task " +
                "(prompt_target data) fine-tunes a causal language model such as GPT-2 or LLaMA");
        return new(examples.Select(e => Encode(tokenizer, e, maxLength)).ToList(), tokenizer.PadId);
    }

    public static EncodedExample Encode(DecoderTokenizer tokenizer, Example example, int maxLength)
    {
        var target = Expect<TextTarget>(example.Target, "generation target");
        if (maxLength < tokenizer.Start.Count + 2)
            throw new ArgumentException($"max_length {maxLength} leaves no room for a prompt token and a target token");
        var answer = tokenizer.Encode(target.Text).Append(tokenizer.EosId).Take(maxLength - tokenizer.Start.Count - 1).ToList();
        var prompt = tokenizer.Encode(example.Text);
        int keep = Math.Min(prompt.Count, maxLength - tokenizer.Start.Count - answer.Count);
        int[] ids = [.. tokenizer.Start, .. prompt.Skip(prompt.Count - keep), .. answer];
        return new EncodedExample(new TokenizedText(ids, new int[ids.Length]), target, PromptLength: ids.Length - answer.Count);
    }

    /// <summary>
    /// Next-token labels [B, L]: position t learns token t+1 where t+1 is a target token (from the prompt's last token
    /// on), <see cref="Ignored"/> elsewhere. An example without a prompt (pretraining text) learns every token but its first.
    /// </summary>
    public override Tensor Targets(IReadOnlyList<EncodedExample> examples, long length, Device device)
    {
        var labels = new long[examples.Count * length];
        Array.Fill(labels, Ignored);
        for (int row = 0; row < examples.Count; row++)
        {
            var ids = examples[row].Tokens.InputIds;
            for (int next = Math.Max(1, examples[row].PromptLength); next < ids.Length; next++)
                labels[row * length + next - 1] = ids[next];
        }
        return tensor(labels, [examples.Count, length], device: device);
    }

    /// <summary>Mean cross-entropy over the batch's target tokens.</summary>
    public override Tensor Loss(ModelOutput output, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var logits = output.Logits;
        return functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1),
            ignore_index: Ignored, label_smoothing: labelSmoothing).MoveToOuterDisposeScope();
    }

    /// <summary>The divergence per target token between the passes' next-token distributions, averaged over target tokens.</summary>
    public override Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets) =>
        Divergences.Of(kind, output.Logits, reference.Logits, targets.ne(Ignored));

    /// <summary>Per example [B, 3]: summed negative log-likelihood of its target tokens, their number, and how many the argmax gets right.</summary>
    public override Tensor EvaluationRows(ModelOutput output, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var logits = output.Logits.to(ScalarType.Float32);
        var learned = targets.ne(Ignored);
        var safe = targets.masked_fill(learned.logical_not(), 0);
        var nll = -logits.log_softmax(-1).gather(-1, safe.unsqueeze(-1)).squeeze(-1);
        var count = learned.to(ScalarType.Float32);
        var correct = logits.argmax(-1).eq(safe).logical_and(learned).to(ScalarType.Float32);
        return stack([(nll * count).sum(1), count.sum(1), correct.sum(1)], 1).MoveToOuterDisposeScope();
    }

    public override IReadOnlyDictionary<string, double> Evaluate(IReadOnlyList<float[]> rows, IReadOnlyList<Target> gold)
    {
        double[] Column(int i) => rows.Select(r => (double)r[i]).ToArray();
        var (nll, tokens, correct) = (Column(0), Column(1), Column(2));
        return new[] { Primary, TaskMetric.Perplexity, TaskMetric.TokenAccuracy }.DistinctBy(m => m.Name)
            .ToDictionary(m => m.Name, m => m.Compute(m == TaskMetric.TokenAccuracy ? correct : nll, tokens));
    }
}
