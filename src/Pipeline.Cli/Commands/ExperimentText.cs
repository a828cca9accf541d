using System.Globalization;
using System.Text;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Experiments;
using Pipeline.Lora;
using Pipeline.Vocabulary;

namespace Pipeline.Cli.Commands;

/// <summary>
/// An experiment variant as text for people: the resolved configuration in the YAML's own keys and names
/// (docs/experiments.md), with every default filled in, so <c>pipeline show</c> says exactly what will run.
/// </summary>
static class ExperimentText
{
    public static string Resolved(IExperiment experiment, ExperimentDefinition d)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');

        Line($"# {experiment.SourceFile}, variant {d.Variant} ({Index(experiment, d)} of {experiment.Variants.Count})");
        Line($"name: {d.Name}");
        Line($"description: {d.Description}");
        Line("model:");
        Line($"  name: {d.Model.Name ?? "null"}");
        Line($"  path: {d.Model.Path ?? "null"}");
        Line($"  head: {(d.Model.Head is { } head ? Name(head) : "null  # the model's own")}");
        Line($"  pooling: {(d.Model.Pooling is { } pooling ? Name(pooling) : "null  # the model's own")}");
        Line("task:");
        Line($"  dataset: {d.Task.Dataset ?? "null"}");
        Line($"  format: {d.Task.Format ?? "null"}");
        Line($"  path: {d.Task.Path ?? "null"}");
        Line($"  columns: {{text: {d.Task.TextColumn ?? "null"}, pair: {d.Task.PairColumn ?? "null"}, label: {d.Task.LabelColumn ?? "null"}}}");
        Line($"  regression: {Bool(d.Task.Regression)}");
        Line($"  max_length: {d.Task.MaxLength}");
        Line($"  max_examples: {(d.Task.MaxExamples is int max ? max.ToString(CultureInfo.InvariantCulture) : "null  # all")}");
        Line($"  max_eval_examples: {(d.Task.MaxEvalExamples is int maxEval ? maxEval.ToString(CultureInfo.InvariantCulture) : "null  # all")}");
        Line($"  metric: {d.Task.Metric ?? "null  # the task's default (bleu for generation)"}");
        var decoding = d.Task.Decoding ?? new DecodingOptions();
        string decodingNote = d.Task.Decoding is null ? "  # generation tasks: the paper's NLG decoding" : "";
        Line($"  decoding: {{num_beams: {decoding.NumBeams}, length_penalty: {Number(decoding.LengthPenalty)}, " +
            $"no_repeat_ngram_size: {decoding.NoRepeatNgramSize}, max_new_tokens: {decoding.MaxNewTokens}}}{decodingNote}");
        Line($"  train_every_reference: {Bool(d.Task.TrainEveryReference)}  # generation tasks: each reference of a training input trains");
        if (d.Lora is not { } lora) Line("lora: none  # full fine-tuning: no adapters, every weight trains");
        else
        {
            Line("lora:");
            Line($"  rank: {lora.Rank}");
            Line($"  alpha: {Number(lora.Alpha)}  # scaling {Number(lora.ScalingFor(lora.Rank))}");
            Line($"  targets: [{string.Join(", ", lora.Targets.Select(Name))}]");
            Line($"  dropout: {Number(lora.Dropout)}");
            Line($"  rslora: {Bool(lora.UseRsLora)}");
            Line($"  rank_per_target: {{{string.Join(", ", lora.RankPerTarget.Select(p => $"{Name(p.Key)}: {p.Value}"))}}}");
            Line($"  train_embeddings: {Bool(lora.TrainEmbeddings)}");
        }
        if (d.Dropout.Drops.Count == 0) Line("dropout: []  # no dropout anywhere");
        else Line("dropout:");
        foreach (var spec in d.Dropout.Drops)
        {
            Line($"  - position: {Name(spec.Position)}");
            Line($"    pattern: {Name(spec.Pattern)}");
            Line($"    rate: {Number(spec.Rate)}");
            Line($"    layers: {Layers(spec.Layers)}");
            // The defaults in effect, shown where the rules let them be written.
            if (Applies(spec, spec with { SpanStart = spec.EffectiveSpanStart })) Line($"    span_start: {Name(spec.EffectiveSpanStart)}");
            if (Applies(spec, spec with { Normalization = spec.EffectiveNormalization })) Line($"    normalization: {Name(spec.EffectiveNormalization)}");
        }
        Line("compensation:");
        Line($"  kind: {YamlVocabulary.NameOf(d.Dropout.Compensation)}");
        if (d.Dropout.Compensation is not NoCompensation)
            Line($"  weight: {Number(d.Dropout.Compensation.Weight)}");
        if (d.Dropout.Compensation is BidirectionalKl kl)
            Line($"  branches: {Name(kl.Branches)}");
        if (d.Dropout.Compensation is not NoCompensation)
            Line($"  reduction: {Name(d.Dropout.Compensation.Reduction)}");
        Line("training:");
        Line($"  epochs: {d.Training.Epochs}");
        Line($"  batch_size: {d.Training.BatchSize}");
        Line($"  learning_rate: {Recipe(d.Training.LearningRate, r => r.LearningRate)}");
        Line($"  weight_decay: {Recipe(d.Training.WeightDecay, r => r.WeightDecay)}");
        Line($"  warmup_ratio: {Number(d.Training.WarmupRatio)}");
        Line($"  max_grad_norm: {Number(d.Training.MaxGradNorm)}");
        Line($"  gradient_accumulation: {d.Training.GradientAccumulation}");
        Line($"  eval_every_steps: {d.Training.EvalEverySteps}");
        Line($"  eval_from_epoch: {d.Training.EvalFromEpoch}");
        Line($"  early_stopping_patience: {d.Training.EarlyStoppingPatience}");
        Line($"  device: {d.Training.Device ?? "null  # CUDA when available"}");
        Line($"  precision: {Name(d.Training.Precision)}");
        Line($"  label_smoothing: {Recipe(d.Training.LabelSmoothing, r => r.LabelSmoothing)}");
        Line($"seeds: [{string.Join(", ", d.Seeds)}]");
        return text.ToString();
    }

    /// <summary>A written value, or the recipes' defaults for what the task decides.</summary>
    static string Recipe(double? value, Func<TrainingRecipe, double> of) => value is double written ? Number(written)
        : $"{Number(of(TrainingRecipe.Nlu))}  # the task's recipe: {Number(of(TrainingRecipe.Nlu))} (NLU), {Number(of(TrainingRecipe.Nlg))} (generation)";

    /// <summary>A plan in one line: "attention_logits/column@0.1 + hidden/element@0.1, bidirectional_kl w=1".</summary>
    public static string Plan(DropoutPlan plan)
    {
        string drops = plan.Drops.Count == 0 ? "none"
            : string.Join(" + ", plan.Drops.Select(s => $"{Name(s.Position)}/{Name(s.Pattern)}@{Number(s.Rate)}"));
        if (plan.Compensation is NoCompensation) return drops;
        string reduction = plan.Compensation.Reduction == DivergenceReduction.Mean ? "" : $" reduction={Name(plan.Compensation.Reduction)}";
        return $"{drops}, {YamlVocabulary.NameOf(plan.Compensation)} w={Number(plan.Compensation.Weight)}{reduction}";
    }

    public static string Model(ModelOptions model) => model.Name ?? model.Path ?? "?";

    /// <summary>What trains, in a few words: "lora r=8" or "full" (lora: none).</summary>
    public static string FineTuning(LoraOptions? lora) => lora is null ? "full" : $"lora r={lora.Rank}";

    public static string Data(TaskOptions task) => task.Dataset ?? $"{task.Format}:{task.Path}";

    static int Index(IExperiment experiment, ExperimentDefinition d)
    {
        for (int i = 0; i < experiment.Variants.Count; i++)
            if (ReferenceEquals(experiment.Variants[i], d)) return i + 1;
        return 0;
    }

    /// <summary>True when <paramref name="written"/> (the spec with a default spelled out) is as valid as the spec.</summary>
    static bool Applies(DropSpec spec, DropSpec written) => written.Validate().Count() == spec.Validate().Count();

    static string Layers(LayerSelection layers) => layers.ToString();

    static string Bool(bool value) => value ? "true" : "false";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An enum member under its YAML name (AttentionLogits → attention_logits).</summary>
    public static string Name<T>(T value) where T : struct, Enum => YamlVocabulary.NameOf(value);
}
