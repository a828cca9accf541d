using System.Diagnostics;
using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Pretraining;

/// <summary>
/// Full-parameter training of a GPT-2 decoder on token blocks, next-token cross-entropy on every position but the
/// first of each block: AdamW (decoupled weight decay on matrices and embeddings, none on biases and LayerNorms),
/// linear warmup then linear decay, gradient clipping, a dispose scope per step, the held-out loss and perplexity
/// after every epoch, and a checkpoint after every epoch (weights, optimiser moments, torch's generator,
/// <see cref="TrainerState"/>) from which <see cref="Fit"/> resumes. It reuses the fine-tuning
/// <see cref="Trainer"/>'s pieces (<see cref="FlatAdamW"/>, <see cref="LinearWarmupSchedule"/>,
/// <see cref="Checkpoints"/>, <see cref="EpochRecord"/>, <see cref="ITrainingObserver"/>) but not its loop, which
/// needs a <c>FineTuningTask</c>; with a causal-LM task on the <c>Trainer</c> this class reduces to building the examples.
/// </summary>
public sealed class Pretrainer(Gpt2Model model, PretrainConfig config, Device device, ITrainingObserver? observer = null)
{
    public const string Metric = "perplexity";

    readonly ITrainingObserver observer = observer ?? SilentObserver.Instance;

    /// <summary>Optimiser steps per epoch.</summary>
    public int StepsPerEpoch(TokenBlocks train) => (BlocksPerEpoch(train) + config.BatchSize - 1) / config.BatchSize;

    int BlocksPerEpoch(TokenBlocks train) => config.BlocksPerEpoch ?? train.Count;

    /// <summary>
    /// Trains for the configuration's epochs (resuming from <paramref name="checkpoints"/> when they hold one) and
    /// returns every evaluation. The model must be initialised (fresh runs) and on <paramref name="device"/>.
    /// </summary>
    public IReadOnlyList<EpochRecord> Fit(TokenBlocks train, TokenBlocks heldOut, Checkpoints? checkpoints = null, CancellationToken cancel = default)
    {
        if (train.Count == 0) throw new ArgumentException($"no training block: the corpus holds fewer than {train.BlockSize} tokens");
        if (heldOut.Count == 0) throw new ArgumentException($"no held-out block: the held-out documents hold fewer than {heldOut.BlockSize} tokens");
        using var optimizer = new FlatAdamW(model.parameters(), config.WeightDecay);
        int perEpoch = BlocksPerEpoch(train), steps = StepsPerEpoch(train);
        var schedule = new LinearWarmupSchedule(config.LearningRate, config.Epochs * steps, config.WarmupRatio);

        var state = TrainerState.Fresh;
        if (checkpoints?.TryLoad(model, optimizer) is { } resumed) state = resumed.State;
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.History.Count > 0 ? state.History[^1].Seconds : 0;
        observer.Started(state.Step, schedule.TotalSteps, state.EpochsDone + 1, config.Epochs);

        for (int epoch = state.EpochsDone + 1; epoch <= config.Epochs; epoch++)
        {
            model.train();
            if (device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(unchecked(config.Seed * 1_000_003L + epoch));
            var order = EpochBlocks(train.Count, perEpoch, epoch);
            double lossSum = 0;
            int lossCount = 0;
            for (int start = 0; start < order.Length; start += config.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                var rows = order[start..Math.Min(order.Length, start + config.BatchSize)];
                double learningRate = schedule.At(state.Step);
                double loss = Step(train, rows, optimizer, learningRate);
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException($"non-finite loss at step {state.Step + 1} (learning rate {learningRate:E2}); " +
                        $"resume from the checkpoint of epoch {state.EpochsDone} with a lower learning rate");
                lossSum += loss;
                lossCount++;
                state = state with { Step = state.Step + 1 };
                observer.Stepped(state.Step, loss, learningRate);
            }

            double heldOutLoss = Evaluate(heldOut);
            var record = new EpochRecord(epoch, state.Step, lossSum / lossCount, lossSum / lossCount, 0, heldOutLoss,
                new Dictionary<string, double> { [Metric] = Math.Exp(heldOutLoss) }, Metric, schedule.At(Math.Max(0, state.Step - 1)),
                secondsBefore + clock.Elapsed.TotalSeconds, ResidentMegabytes());
            bool improved = state.Best is null || record.Score < state.Best.Score;
            var history = state.History.Append(record).ToList();
            state = state with
            {
                EpochsDone = epoch,
                History = history,
                BestIndex = improved ? history.Count - 1 : state.BestIndex,
                EvaluationsWithoutImprovement = improved ? 0 : state.EvaluationsWithoutImprovement + 1,
            };
            observer.Evaluated(record, improved);
            checkpoints?.Save(model, optimizer, state, best: null);
        }
        return state.History;
    }

    /// <summary>One optimiser step on the blocks at <paramref name="rows"/>; returns the mean next-token loss.</summary>
    double Step(TokenBlocks train, int[] rows, FlatAdamW optimizer, double learningRate)
    {
        optimizer.ZeroGrad();
        using var scope = NewDisposeScope();
        var loss = Loss(train.Batch(rows, device), reduction: nn.Reduction.Mean);
        loss.backward();
        double value = loss.item<float>();
        if (double.IsFinite(value)) optimizer.Step(learningRate, config.MaxGradNorm);
        return value;
    }

    /// <summary>Next-token cross-entropy of a batch of blocks [B, L]: positions 0..L−2 predict tokens 1..L−1.</summary>
    Tensor Loss(Tensor ids, nn.Reduction reduction)
    {
        var batch = new EncoderBatch(ids, ones_like(ids)) { HasPadding = false };
        var hidden = model.Forward(batch);
        var logits = model.LmLogits(hidden[.., ..^1]);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), ids[.., 1..].reshape(-1), reduction: reduction);
    }

    /// <summary>The mean next-token loss over the held-out blocks (<c>EvalBlocks</c> of them spread evenly, or all), without dropout or gradients.</summary>
    public double Evaluate(TokenBlocks heldOut)
    {
        model.eval();
        using var noGrad = no_grad();
        var blocks = heldOut.Spread(config.EvalBlocks);
        double sum = 0;
        for (int start = 0; start < blocks.Count; start += config.BatchSize)
        {
            using var scope = NewDisposeScope();
            var rows = Enumerable.Range(start, Math.Min(config.BatchSize, blocks.Count - start)).ToArray();
            sum += Loss(blocks.Batch(rows, device), nn.Reduction.Sum).to(ScalarType.Float64).item<double>();
        }
        return sum / (blocks.Count * (blocks.BlockSize - 1L));
    }

    static double ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>
    /// The training blocks of <paramref name="epoch"/>: positions [(epoch−1)·k, epoch·k) of the endless sequence of
    /// passes over the corpus, pass p a permutation drawn from (seed, p). With k = all blocks, epoch e is pass e−1.
    /// Depends only on (seed, epoch), so a resumed run sees the blocks the uninterrupted one saw.
    /// </summary>
    public int[] EpochBlocks(int count, int perEpoch, int epoch)
    {
        var blocks = new int[perEpoch];
        long first = (long)(epoch - 1) * perEpoch;
        int[]? pass = null;
        long passIndex = -1;
        for (int i = 0; i < perEpoch; i++)
        {
            long position = first + i, p = position / count;
            if (p != passIndex)
            {
                passIndex = p;
                pass = Enumerable.Range(0, count).ToArray();
                new Random(unchecked(config.Seed * 1_000_003 + (int)p)).Shuffle(pass);
            }
            blocks[i] = pass![position % count];
        }
        return blocks;
    }
}
