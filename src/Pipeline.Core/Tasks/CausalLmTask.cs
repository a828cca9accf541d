using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Experiments;
using Pipeline.Generation;
using Pipeline.Metrics;
using Pipeline.Metrics.Nlg;
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
/// next-token distributions at the same target tokens (<see cref="Divergences"/> with a token mask). Evaluation
/// scores the target tokens teacher-forced (perplexity, next-token accuracy) and, when it generates, the texts the
/// model writes for each prompt (<see cref="DecodingOptions"/>: the paper's beam 10) against every reference with the
/// E2E metrics (BLEU, the default primary metric; NIST, METEOR, ROUGE-L, CIDEr, TER: <see cref="NlgScorer"/>).
/// </summary>
public sealed class CausalLmTask : FineTuningTask
{
    /// <summary>The label of a position whose next token is not learned (prompt, padding): cross-entropy's ignore index.</summary>
    public const long Ignored = -100;

    /// <summary>Where METEOR's jar is (meteor-1.5.jar, with its paraphrase data beside it); unset, METEOR is not reported.</summary>
    public const string MeteorJarVariable = "PIPELINE_METEOR_JAR";

    readonly double labelSmoothing;
    readonly NlgOptions scoring;
    DecoderTokenizer? tokenizer;

    public CausalLmTask(TaskMetric? primary = null, double labelSmoothing = 0, DecodingOptions? decoding = null, NlgOptions? scoring = null)
    {
        this.scoring = scoring ?? new NlgOptions(Environment.GetEnvironmentVariable(MeteorJarVariable) is { Length: > 0 } jar ? jar : null);
        Primary = Checked(primary ?? TaskMetric.Bleu, Metrics, "generation");
        if (Primary == TaskMetric.Meteor && this.scoring.MeteorJar is null)
            throw new ArgumentException($"metric meteor runs meteor-1.5.jar, which is not configured: set {MeteorJarVariable} to its path (Java on PATH), or choose bleu");
        this.labelSmoothing = CheckedSmoothing(labelSmoothing);
        Decoding = decoding ?? new DecodingOptions();
        Decoding.ToGenerationOptions().Checked();
    }

    public override TaskMetric Primary { get; }
    public override IReadOnlyList<TaskMetric> Metrics => [.. TaskMetric.TextMetrics, TaskMetric.Perplexity, TaskMetric.TokenAccuracy];
    public override TrainingRecipe Recipe => TrainingRecipe.Nlg;
    public override bool SelectsOnGeneratedText => Primary.ScoresText;
    public double LabelSmoothing => labelSmoothing;
    public DecodingOptions Decoding { get; }

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
        this.tokenizer = tokenizer; // what it encodes with, it decodes generated texts with
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
    /// Next-token labels [B, T] at the positions <see cref="OutputPositions"/> lists: position t learns token t+1 where
    /// t+1 is a target token (from the prompt's last token on); rows with fewer target tokens than the longest are
    /// padded with <see cref="Ignored"/>. An example without a prompt (pretraining text) learns every token but its first.
    /// </summary>
    public override Tensor Targets(IReadOnlyList<EncodedExample> examples, long length, Device device) =>
        AtLearnedPositions(examples, (example, position) => example.Tokens.InputIds[position + 1], Ignored, device);

    /// <summary>
    /// The positions whose next token is learned, [B, T] (padded with position 0, whose label is <see cref="Ignored"/>):
    /// the LM head projects only these onto the vocabulary. Evaluation, loss and divergences see the same positions.
    /// </summary>
    public override Tensor OutputPositions(IReadOnlyList<EncodedExample> examples, Device device) =>
        AtLearnedPositions(examples, (_, position) => position, 0, device);

    /// <summary>[B, T]: <paramref name="value"/> at each example's learned positions, left-aligned, <paramref name="padding"/> after.</summary>
    static Tensor AtLearnedPositions(IReadOnlyList<EncodedExample> examples, Func<EncodedExample, int, long> value, long padding, Device device)
    {
        var learned = Learned(examples);
        long width = learned.Max(l => l.Count);
        var values = new long[examples.Count * width];
        Array.Fill(values, padding);
        for (int row = 0; row < examples.Count; row++)
            for (int i = 0; i < learned[row].Count; i++)
                values[row * width + i] = value(examples[row], learned[row][i]);
        return tensor(values, [examples.Count, width], device: device);
    }

    /// <summary>Each example's learned positions: from the prompt's last token (or the first token) to the one before the last.</summary>
    static List<List<int>> Learned(IReadOnlyList<EncodedExample> examples) =>
        [.. examples.Select(e => Enumerable.Range(Math.Max(1, e.PromptLength) - 1, Math.Max(0, e.Tokens.InputIds.Length - Math.Max(1, e.PromptLength))).ToList())];

    /// <summary>Mean cross-entropy over the batch's target tokens.</summary>
    public override Tensor Loss(ModelOutput output, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var logits = output.Logits;
        return functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1),
            ignore_index: Ignored, label_smoothing: labelSmoothing).MoveToOuterDisposeScope();
    }

    /// <summary>The divergence per target token between the passes' next-token distributions, averaged over target tokens.</summary>
    // Per target token; under DivergenceReduction.Sum summed over every target token of the batch (R-Drop's
    // fairseq code sums its token-level KL the same way, padding masked).
    public override Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets,
        DivergenceReduction reduction = DivergenceReduction.Mean) =>
        Divergences.Of(kind, output.Logits, reference.Logits, targets.ne(Ignored), reduction);

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

    /// <summary>
    /// Each example's prompt (start + prompt tokens, as encoded), continued with the <see cref="Decoding"/> options,
    /// <paramref name="batchSize"/> prompts at a time (a beam search holds batch × beams rows). A prompt too long for
    /// the positions left after <see cref="DecodingOptions.MaxNewTokens"/> keeps its end, as training's truncation does.
    /// Texts are decoded without the end-of-text token and trimmed.
    /// </summary>
    public override IReadOnlyList<string> Generate(TaskModel model, EncodedSplit split, int batchSize)
    {
        var decoder = model.Backbone as ICausalLanguageModel
            ?? throw new ArgumentException($"{model.Backbone.GetType().Name} is not a causal language model: generation needs a decoder");
        var vocabulary = tokenizer ?? throw new InvalidOperationException("generate after Encode: the task decodes with the tokenizer it encoded with");
        var options = Decoding.ToGenerationOptions();
        int room = decoder.MaxPositions - options.MaxNewTokens + 1;
        if (room <= vocabulary.Start.Count)
            throw new ArgumentException($"task.decoding.max_new_tokens {options.MaxNewTokens} leaves no room for a prompt in the model's {decoder.MaxPositions} positions");
        var prompts = split.Examples.Select(e => PromptIds(e, vocabulary.Start.Count, room)).ToList();
        var texts = new List<string>(prompts.Count);
        foreach (var chunk in prompts.Chunk(batchSize))
            texts.AddRange(TextGenerator.Generate(decoder, chunk, options, vocabulary.EosId, vocabulary.PadId).Select(c => vocabulary.Decode(c.Tokens).Trim()));
        return texts;
    }

    /// <summary>The encoded prompt (start tokens included), cut to its start + last tokens when it exceeds <paramref name="room"/>.</summary>
    static IReadOnlyList<int> PromptIds(EncodedExample example, int start, int room)
    {
        var prompt = example.Tokens.InputIds.AsSpan(0, example.PromptLength);
        return prompt.Length <= room ? prompt.ToArray() : [.. prompt[..start], .. prompt[(prompt.Length - room + start)..]];
    }

    /// <summary>
    /// Perplexity and token accuracy of the teacher-forced rows; with generated texts, every metric of generated text
    /// against the references (trimmed, as the texts are), METEOR only when its jar is configured.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Evaluate(Predictions predictions)
    {
        double[] Column(int i) => predictions.Outputs.Select(r => (double)r[i]).ToArray();
        var (nll, tokens, correct) = (Column(0), Column(1), Column(2));
        var forced = new Dictionary<string, double>
        {
            [TaskMetric.Perplexity.Name] = TaskMetric.Perplexity.Compute(nll, tokens),
            [TaskMetric.TokenAccuracy.Name] = TaskMetric.TokenAccuracy.Compute(correct, tokens),
        };
        var text = predictions.Generated is { } generated ? ScoreTexts(generated, predictions.Gold) : new Dictionary<string, double>();
        if (Primary.ScoresText && !text.ContainsKey(Primary.Name))
            throw new InvalidOperationException($"the primary metric {Primary.Name} scores generated texts, and this evaluation generated none");
        var all = text.Concat(forced).ToDictionary();
        return new[] { Primary.Name }.Concat(all.Keys).Distinct().ToDictionary(name => name, name => all[name]);
    }

    /// <summary>
    /// Every metric of generated text (NlgScorer's names), METEOR only where its jar is configured; where examples
    /// carry a subset (WebNLG's seen/unseen categories), each metric again per subset as <c>seen/bleu</c>,
    /// <c>unseen/bleu</c> — the paper's All/Seen/Unseen columns.
    /// </summary>
    public IReadOnlyDictionary<string, double> ScoreTexts(IReadOnlyList<string> generated, IReadOnlyList<Target> gold)
    {
        if (generated.Count != gold.Count) throw new ArgumentException($"{generated.Count} generated texts for {gold.Count} examples");
        var targets = gold.Select(t => Expect<TextTarget>(t, "generation target")).ToList();
        var names = NlgScorer.Names.Where(n => n != TaskMetric.Meteor.Name || scoring.MeteorJar is not null).ToList();
        IReadOnlyDictionary<string, double> Score(IReadOnlyList<int> rows) => NlgScorer.Score(
            [.. rows.Select(i => generated[i])], [.. rows.Select(i => (IReadOnlyList<string>)[.. targets[i].References.Select(r => r.Trim())])], names, scoring);

        var scores = Score([.. Enumerable.Range(0, gold.Count)]).ToDictionary();
        foreach (var subset in targets.Select(t => t.Subset).OfType<string>().Distinct().Order())
            foreach (var (name, value) in Score([.. Enumerable.Range(0, gold.Count).Where(i => targets[i].Subset == subset)]))
                scores[$"{subset}/{name}"] = value;
        return scores;
    }
}
