using System.Diagnostics;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Experiments;
using Pipeline.Models;
using Pipeline.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Training;

/// <summary>How a run ended: every evaluation, the best and the last one, and the best trainable weights.</summary>
public sealed record TrainingResult(
    IReadOnlyList<EpochRecord> History,
    EpochRecord Best,
    EpochRecord Final,
    string? StopReason,
    IReadOnlyDictionary<string, Tensor> BestWeights);

/// <summary>
/// Fine-tunes the trainable parameters of a <see cref="TaskModel"/> for a <see cref="FineTuningTask"/> under a dropout plan:
/// AdamW with decoupled weight decay (not on biases), linear warmup + decay, gradient clipping and
/// accumulation, the plan's compensation inside every step, evaluation every epoch (and optionally every N
/// steps), best-evaluation selection by the task's primary metric in its own direction, early stopping, a guard against non-finite losses,
/// and a checkpoint after every epoch from which <c>Fit</c> resumes exactly (on CPU: same losses, same metrics).
/// </summary>
public sealed class Trainer(
    TaskModel model,
    FineTuningTask task,
    DropoutPlan plan,
    TrainingOptions options,
    Device device,
    ITrainingObserver? observer = null)
{
    readonly ITrainingObserver observer = observer ?? SilentObserver.Instance;
    // What the YAML left unwritten comes from the task's recipe (NLU or NLG).
    readonly TrainingOptions options = options.Resolved(task.Recipe);

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="dev"/>. Data order comes from
    /// (<paramref name="seed"/>, epoch), masks from torch's generator (seeded here, or restored with a
    /// checkpoint). With <paramref name="checkpoints"/>, an existing checkpoint is resumed.
    /// </summary>
    public TrainingResult Fit(EncodedSplit train, EncodedSplit dev, int seed, Checkpoints? checkpoints = null, CancellationToken cancel = default)
    {
        plan.EnsureValid();
        if (train.Count == 0) throw new ArgumentException("the training split is empty");
        if (dev.Count == 0) throw new ArgumentException("the dev split is empty: the best epoch cannot be chosen");

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        if (trainable.Count == 0) throw new InvalidOperationException("the model has no trainable parameters (freeze left nothing to train)");
        // Decoupled weight decay on matrices (LoRA A/B, the head's weight; with full fine-tuning also every
        // projection and the embeddings), none on biases and LayerNorm weights: HF Trainer's rule, since those are
        // exactly the one-dimensional parameters (FlatAdamWTests checks it on a BERT model by name).
        using var optimizer = new FlatAdamW(trainable.Select(p => p.parameter), options.WeightDecay!.Value);

        int batchesPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        int stepsPerEpoch = (batchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation;
        var schedule = new LinearWarmupSchedule(options.LearningRate!.Value, options.Epochs * stepsPerEpoch, options.WarmupRatio);

        var state = TrainerState.Fresh;
        IReadOnlyDictionary<string, Tensor>? best = null;
        if (checkpoints?.TryLoad(model, optimizer) is { } resumed)
            (state, best) = resumed;
        else
            manual_seed(seed);

        var clock = Stopwatch.StartNew();
        double secondsBefore = state.History.Count > 0 ? state.History[^1].Seconds : 0;
        var losses = new LossAverages();
        observer.Started(state.Step, schedule.TotalSteps, state.EpochsDone + 1, options.Epochs);

        for (int epoch = state.EpochsDone + 1; epoch <= options.Epochs && state.StopReason is null; epoch++)
        {
            model.train();
            // On CUDA the masks come from the CUDA generator, whose state TorchSharp cannot read: reseed it from
            // (seed, epoch) instead, so a run resumed at an epoch boundary draws the masks the uninterrupted one drew.
            if (device.type == DeviceType.CUDA)
                torch.cuda.manual_seed_all(unchecked(seed * 1_000_003L + epoch));
            bool evaluates = epoch >= options.EvalFromEpoch || epoch == options.Epochs;
            var groups = EncodedSplit.Chunks(EpochOrder(train.Count, seed, epoch), options.BatchSize).Chunk(options.GradientAccumulation);
            foreach (var group in groups)
            {
                cancel.ThrowIfCancellationRequested();
                if (!TrainStep(group, train, optimizer, schedule.At(state.Step), losses))
                {
                    state = state with { StopReason = $"non-finite loss at step {state.Step + 1}: stopped with the weights of step {state.Step}" };
                    observer.Stopped(state.StopReason);
                    break;
                }
                state = state with { Step = state.Step + 1 };
                observer.Stepped(state.Step, losses.LastTotal, schedule.At(state.Step - 1));
                if (evaluates && options.EvalEverySteps > 0 && state.Step % options.EvalEverySteps == 0)
                    (state, best) = Evaluate(state, best, epoch, dev, losses, schedule, secondsBefore + clock.Elapsed.TotalSeconds);
            }
            if (state.StopReason is not null) break;

            // Every evaluating epoch ends with an evaluation, unless an every-N-steps one just happened at this step.
            if (evaluates && (state.History.Count == 0 || state.History[^1].Step != state.Step))
                (state, best) = Evaluate(state, best, epoch, dev, losses, schedule, secondsBefore + clock.Elapsed.TotalSeconds);
            state = state with { EpochsDone = epoch };
            if (options.EarlyStoppingPatience > 0 && state.EvaluationsWithoutImprovement >= options.EarlyStoppingPatience)
            {
                state = state with { StopReason = $"early stopping: no better dev {state.Best!.Primary} in {options.EarlyStoppingPatience} evaluations" };
                observer.Stopped(state.StopReason);
            }
            checkpoints?.Save(model, optimizer, state, best);
        }

        if (state.History.Count == 0)
            throw new InvalidOperationException(state.StopReason ?? "training ended before the first evaluation");
        return new TrainingResult(state.History, state.Best!, state.History[^1], state.StopReason, best!);
    }

    /// <summary>One optimiser step over a group of batches (gradient accumulation); false on a non-finite loss.</summary>
    bool TrainStep(int[][] group, EncodedSplit train, FlatAdamW optimizer, double learningRate, LossAverages losses)
    {
        optimizer.ZeroGrad();
        int examples = group.Sum(g => g.Length);
        double total = 0, taskLoss = 0, consistency = 0;
        foreach (var chunk in group)
        {
            using var scope = NewDisposeScope();
            var batch = train.Batch(chunk, task, device);
            var loss = CompensatedLoss.Compute(model, task, batch.Inputs, batch.Targets, plan);
            // Weight each batch by its share of the group so a short last batch counts for what it holds.
            double share = (double)chunk.Length / examples;
            (loss.Total * share).backward();
            // One read-back per batch, after its backward is queued (a read before it would idle the GPU while
            // the host queues the backward). A non-finite loss discards the gradients: no update is made.
            var values = stack([loss.Total.detach(), loss.Task.detach(), loss.Consistency?.detach() ?? zeros_like(loss.Task)])
                .to(ScalarType.Float64).cpu().data<double>().ToArray();
            if (!double.IsFinite(values[0]))
            {
                optimizer.ZeroGrad();
                return false;
            }
            total += values[0] * share;
            taskLoss += values[1] * share;
            consistency += values[2] * share;
        }
        optimizer.Step(learningRate, options.MaxGradNorm);
        losses.Add(total, taskLoss, consistency);
        return true;
    }

    (TrainerState, IReadOnlyDictionary<string, Tensor>?) Evaluate(TrainerState state, IReadOnlyDictionary<string, Tensor>? best,
        int epoch, EncodedSplit dev, LossAverages losses, LinearWarmupSchedule schedule, double seconds)
    {
        var predictions = Evaluation.Predict(model, task, dev, options.BatchSize, device, generate: task.SelectsOnGeneratedText);
        var values = Evaluation.Score(task, predictions);
        var record = new EpochRecord(epoch, state.Step, losses.Total, losses.Task, losses.Consistency, predictions.Loss,
            values, values.Keys.First(), schedule.At(Math.Max(0, state.Step - 1)), seconds, ResidentMegabytes());
        losses.Reset();

        bool improved = state.Best is null || task.Primary.IsBetter(record.Score, state.Best.Score);
        var history = state.History.Append(record).ToList();
        state = state with
        {
            History = history,
            BestIndex = improved ? history.Count - 1 : state.BestIndex,
            EvaluationsWithoutImprovement = improved ? 0 : state.EvaluationsWithoutImprovement + 1,
        };
        if (improved)
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
            best = Checkpoints.TrainableWeights(model);
        }
        observer.Evaluated(record, improved);
        return (state, best);
    }

    /// <summary>
    /// The order in which epoch <paramref name="epoch"/> (1 first) visits the training examples: a permutation that
    /// depends only on (seed, epoch), so a resumed run sees the same order.
    /// </summary>
    public static int[] EpochOrder(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(unchecked(seed * 1_000_003 + epoch)).Shuffle(order); // seeded Random is stable across runs (HashCode is not)
        return order;
    }

    static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Mean losses over the steps since the last evaluation.</summary>
    sealed class LossAverages
    {
        double total, task, consistency;
        public int Count { get; private set; }
        public double LastTotal { get; private set; }
        public double Total => Count == 0 ? 0 : total / Count;
        public double Task => Count == 0 ? 0 : task / Count;
        public double Consistency => Count == 0 ? 0 : consistency / Count;

        public void Add(double total, double task, double consistency)
        {
            this.total += total; this.task += task; this.consistency += consistency;
            LastTotal = total;
            Count++;
        }

        public void Reset() { total = task = consistency = 0; Count = 0; }
    }
}
