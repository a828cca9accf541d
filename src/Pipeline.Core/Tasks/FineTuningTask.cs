using Pipeline.Compensation;
using Pipeline.Data;
using Pipeline.Experiments;
using Pipeline.Metrics;
using Pipeline.Models;
using Pipeline.Models.Heads;
using Pipeline.Training;
using static TorchSharp.torch;

namespace Pipeline.Tasks;

/// <summary>
/// The task seam: what a model is fine-tuned to do. A task owns how its examples are encoded, its head, the task
/// loss, the consistency divergence a compensation asks for, and how a split's outputs are scored — so the trainer,
/// the evaluation and the compensated loss work for any task. A new task is one subclass:
/// <see cref="ClassificationTask"/> and <see cref="RegressionTask"/> predict one target per example
/// (<see cref="PredictionTask"/>); <see cref="CausalLmTask"/> learns the target tokens of prompt → target texts.
/// </summary>
public abstract class FineTuningTask
{
    /// <summary>The metric that picks the best evaluation, in its own direction (<see cref="TaskMetric.IsBetter"/>).</summary>
    public abstract TaskMetric Primary { get; }

    /// <summary>The metrics this task can be scored by; YAML's <c>task.metric</c> must name one of them.</summary>
    public abstract IReadOnlyList<TaskMetric> Metrics { get; }

    /// <summary>The paper's training defaults for this kind of task, for what the YAML leaves unwritten.</summary>
    public virtual TrainingRecipe Recipe => TrainingRecipe.Nlu;

    /// <summary>True when choosing the best evaluation needs generated texts (<see cref="Generate"/>), not just a forward pass.</summary>
    public virtual bool SelectsOnGeneratedText => false;

    /// <summary>A head of <paramref name="kind"/> for this task on a backbone of width <paramref name="hiddenSize"/>.</summary>
    public abstract TaskHead CreateHead(HeadKind kind, Pooling pooling, long hiddenSize);

    /// <summary>
    /// A split tokenized once, up front, with the model's tokenizer: every token at most <paramref name="maxLength"/>
    /// per example. Encoders read text (and pair) with their own special tokens; see the subclasses.
    /// </summary>
    public virtual EncodedSplit Encode(IReadOnlyList<Example> examples, PretrainedModel model, int maxLength)
    {
        var tokenizer = model.RequireTokenizer();
        return new(examples.Select(e => new EncodedExample(tokenizer.Encode(e.Text, e.TextPair, maxLength), e.Target)).ToList(), tokenizer.PadId);
    }

    /// <summary>The targets of a batch, right-padded to <paramref name="length"/> tokens, as the tensor <see cref="Loss"/> takes.</summary>
    public abstract Tensor Targets(IReadOnlyList<EncodedExample> examples, long length, Device device);

    /// <summary>The positions of a batch whose outputs the head computes (<see cref="EncoderBatch.OutputPositions"/>); null: all.</summary>
    public virtual Tensor? OutputPositions(IReadOnlyList<EncodedExample> examples, Device device) => null;

    /// <summary>The task loss of one pass, averaged over the batch.</summary>
    public abstract Tensor Loss(ModelOutput output, Tensor targets);

    /// <summary>
    /// The consistency loss between two passes (<paramref name="reference"/> is P2, or the inference pass);
    /// <paramref name="targets"/> are the batch's, for tasks that compare only some positions;
    /// <paramref name="reduction"/> says how the rows the task compares (examples, target tokens) are combined.
    /// </summary>
    public abstract Tensor Divergence(ConsistencyDivergence kind, ModelOutput output, ModelOutput reference, Tensor targets,
        DivergenceReduction reduction = DivergenceReduction.Mean);

    /// <summary>
    /// What evaluation keeps of a pass, one row per example [B, K]: the head's outputs by default (class logits, a
    /// value); a language model keeps its per-example sums instead of [L, V] logits.
    /// </summary>
    public virtual Tensor EvaluationRows(ModelOutput output, Tensor targets) => output.Logits;

    /// <summary>
    /// Texts the model generates for each example of <paramref name="split"/>, in order, for the metrics of generated
    /// text; null for tasks that score a forward pass only.
    /// </summary>
    public virtual IReadOnlyList<string>? Generate(TaskModel model, EncodedSplit split, int batchSize) => null;

    /// <summary>
    /// Metrics by name, the primary one first, of a split's <see cref="EvaluationRows"/> (and generated texts, where the
    /// task generates) against its gold targets.
    /// </summary>
    public abstract IReadOnlyDictionary<string, double> Evaluate(Predictions predictions);

    /// <summary>
    /// The task a data set asks for: classification over its labels, regression, or generation (a causal LM).
    /// <paramref name="metric"/> (YAML spelling, e.g. macro_f1) overrides the data set's own primary metric and must
    /// be one the task can compute; <paramref name="labelSmoothing"/> applies to the cross-entropy tasks (null: the
    /// recipe's: 0.1 for generation, else 0); <paramref name="decoding"/> to generation.
    /// </summary>
    public static FineTuningTask For(DatasetSplits data, string? metric = null, double? labelSmoothing = null, DecodingOptions? decoding = null)
    {
        var primary = metric is null ? null : TaskMetric.ByYamlName(metric);
        if (decoding is not null && data.Kind != TaskKind.Generation)
            throw new ArgumentException($"task.decoding applies to generation tasks; {data.Name} is a {data.Kind} task");
        if (data.Kind == TaskKind.Generation)
            return new CausalLmTask(primary, labelSmoothing ?? TrainingRecipe.Nlg.LabelSmoothing, decoding);
        if (labelSmoothing is { } smoothing and not 0 && data.Kind == TaskKind.Regression)
            throw new ArgumentException($"label_smoothing {smoothing} applies to classification and generation; {data.Name} is a regression task");
        return data.Kind == TaskKind.Regression
            ? new RegressionTask(primary ?? TaskMetric.For(data))
            : new ClassificationTask(data.Labels, primary ?? TaskMetric.For(data), labelSmoothing ?? TrainingRecipe.Nlu.LabelSmoothing);
    }

    /// <summary><paramref name="primary"/> when it is one of <paramref name="allowed"/>, else an error listing them.</summary>
    protected static TaskMetric Checked(TaskMetric primary, IReadOnlyList<TaskMetric> allowed, string task) =>
        allowed.Contains(primary) ? primary
            : throw new ArgumentException($"metric {primary.YamlName} does not apply to {task}; expected one of: {string.Join(", ", allowed.Select(m => m.YamlName))}");

    /// <summary>Label smoothing must be a probability mass below 1.</summary>
    protected static double CheckedSmoothing(double labelSmoothing) =>
        labelSmoothing is >= 0 and < 1 ? labelSmoothing : throw new ArgumentException($"label_smoothing {labelSmoothing} is outside [0, 1)");

    /// <summary>A prediction of the wrong kind is a bug upstream, named here.</summary>
    protected static T Expect<T>(Target target, string what) where T : Target =>
        target as T ?? throw new ArgumentException($"{what}: expected a {typeof(T).Name}, got {target}");
}

/// <summary>
/// A task that predicts one target per example from a pooled head (classes, a value): the head has
/// <see cref="HeadOutputs"/> outputs, evaluation decodes each row into a prediction and scores the predictions.
/// </summary>
public abstract class PredictionTask : FineTuningTask
{
    /// <summary>Outputs of the head (classes, or 1 for regression).</summary>
    public abstract int HeadOutputs { get; }

    public override TaskHead CreateHead(HeadKind kind, Pooling pooling, long hiddenSize) => TaskHead.Create(kind, pooling, hiddenSize, HeadOutputs);

    public override Tensor Targets(IReadOnlyList<EncodedExample> examples, long length, Device device) =>
        Targets(examples.Select(e => e.Target).ToList(), device);

    /// <summary>The targets of a batch, one per example.</summary>
    public abstract Tensor Targets(IReadOnlyList<Target> targets, Device device);

    /// <summary>Predictions from the head's outputs, one row per example.</summary>
    public abstract IReadOnlyList<Target> Decode(IReadOnlyList<float[]> outputs);

    /// <summary>Metrics by name, the primary one first.</summary>
    public abstract IReadOnlyDictionary<string, double> Score(IReadOnlyList<Target> predicted, IReadOnlyList<Target> gold);

    public override IReadOnlyDictionary<string, double> Evaluate(Predictions predictions) =>
        Score(Decode(predictions.Outputs), predictions.Gold);

    /// <summary>The numbers the metrics read (<see cref="TaskMetric.Compute"/>), one per target: class indices or values.</summary>
    public abstract double[] Numbers(IReadOnlyList<Target> targets, string what);

    /// <summary>
    /// Each example's prediction and gold target as the metrics read them: what a run keeps of its test split
    /// (<c>test_examples.csv</c>) so that any metric can be recomputed on resampled examples (paired bootstrap).
    /// </summary>
    public (double[] Predicted, double[] Gold) ExampleNumbers(Predictions predictions) =>
        (Numbers(Decode(predictions.Outputs), "prediction"), Numbers(predictions.Gold, "gold target"));

    /// <summary>The primary metric, then the companions, each once.</summary>
    protected static IReadOnlyDictionary<string, double> Compute(IEnumerable<TaskMetric> metrics, double[] predicted, double[] gold) =>
        metrics.DistinctBy(m => m.Name).ToDictionary(m => m.Name, m => m.Compute(predicted, gold));
}
