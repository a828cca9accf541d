using System.Globalization;
using System.Text;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Experiments;

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
        Line($"  pooling: {(d.Model.Pooling is { } pooling ? Snake(pooling) : "null  # the model's own")}");
        Line("task:");
        Line($"  dataset: {d.Task.Dataset ?? "null"}");
        Line($"  format: {d.Task.Format ?? "null"}");
        Line($"  path: {d.Task.Path ?? "null"}");
        Line($"  columns: {{text: {d.Task.TextColumn ?? "null"}, pair: {d.Task.PairColumn ?? "null"}, label: {d.Task.LabelColumn ?? "null"}}}");
        Line($"  regression: {Bool(d.Task.Regression)}");
        Line($"  max_length: {d.Task.MaxLength}");
        Line($"  max_examples: {(d.Task.MaxExamples is int max ? max.ToString(CultureInfo.InvariantCulture) : "null  # all")}");
        Line($"  max_eval_examples: {(d.Task.MaxEvalExamples is int maxEval ? maxEval.ToString(CultureInfo.InvariantCulture) : "null  # all")}");
        Line($"  metric: {d.Task.Metric ?? "null  # the task's default"}");
        Line("lora:");
        Line($"  rank: {d.Lora.Rank}");
        Line($"  alpha: {Number(d.Lora.Alpha)}  # scaling {Number(d.Lora.ScalingFor(d.Lora.Rank))}");
        Line($"  targets: [{string.Join(", ", d.Lora.Targets.Select(Snake))}]");
        Line($"  dropout: {Number(d.Lora.Dropout)}");
        Line($"  rslora: {Bool(d.Lora.UseRsLora)}");
        Line($"  rank_per_target: {{{string.Join(", ", d.Lora.RankPerTarget.Select(p => $"{Snake(p.Key)}: {p.Value}"))}}}");
        if (d.Dropout.Drops.Count == 0) Line("dropout: []  # no dropout anywhere");
        else Line("dropout:");
        foreach (var spec in d.Dropout.Drops)
        {
            Line($"  - position: {Snake(spec.Position)}");
            Line($"    pattern: {Snake(spec.Pattern)}");
            Line($"    rate: {Number(spec.Rate)}");
            Line($"    layers: {Layers(spec.Layers)}");
            if (spec.Pattern == DropPattern.Span) Line($"    span_start: {Snake(spec.SpanStart)}");
            if (spec.Position == DropPosition.AttentionWeights) Line($"    normalization: {Snake(spec.Normalization)}");
        }
        Line("compensation:");
        Line($"  kind: {Kind(d.Dropout.Compensation)}");
        if (d.Dropout.Compensation is not NoCompensation)
            Line($"  weight: {Number(d.Dropout.Compensation.Weight)}");
        if (d.Dropout.Compensation is BidirectionalKl kl)
            Line($"  branches: {(kl.Branches == KlBranches.Both ? "both" : "one")}");
        Line("training:");
        Line($"  epochs: {d.Training.Epochs}");
        Line($"  batch_size: {d.Training.BatchSize}");
        Line($"  learning_rate: {Number(d.Training.LearningRate)}");
        Line($"  weight_decay: {Number(d.Training.WeightDecay)}");
        Line($"  warmup_ratio: {Number(d.Training.WarmupRatio)}");
        Line($"  max_grad_norm: {Number(d.Training.MaxGradNorm)}");
        Line($"  gradient_accumulation: {d.Training.GradientAccumulation}");
        Line($"  eval_every_steps: {d.Training.EvalEverySteps}");
        Line($"  early_stopping_patience: {d.Training.EarlyStoppingPatience}");
        Line($"  device: {d.Training.Device ?? "null  # CUDA when available"}");
        Line($"  precision: {Snake(d.Training.Precision)}");
        Line($"seeds: [{string.Join(", ", d.Seeds)}]");
        return text.ToString();
    }

    /// <summary>A plan in one line: "attention_logits/column@0.1 + hidden/element@0.1, bidirectional_kl w=1".</summary>
    public static string Plan(DropoutPlan plan)
    {
        string drops = plan.Drops.Count == 0 ? "none"
            : string.Join(" + ", plan.Drops.Select(s => $"{Snake(s.Position)}/{Snake(s.Pattern)}@{Number(s.Rate)}"));
        return plan.Compensation is NoCompensation ? drops : $"{drops}, {Kind(plan.Compensation)} w={Number(plan.Compensation.Weight)}";
    }

    public static string Model(ModelOptions model) => model.Name ?? model.Path ?? "?";

    public static string Data(TaskOptions task) => task.Dataset ?? $"{task.Format}:{task.Path}";

    static int Index(IExperiment experiment, ExperimentDefinition d)
    {
        for (int i = 0; i < experiment.Variants.Count; i++)
            if (ReferenceEquals(experiment.Variants[i], d)) return i + 1;
        return 0;
    }

    static string Kind(CompensationMeasure compensation) => compensation switch
    {
        BidirectionalKl => "bidirectional_kl",
        JsToInference => "js_to_inference",
        HiddenCutJs => "hiddencut_js",
        _ => "none",
    };

    static string Layers(LayerSelection layers) => layers.ToString();

    static string Bool(bool value) => value ? "true" : "false";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An enum member in the YAML's snake_case (AttentionLogits → attention_logits).</summary>
    public static string Snake<T>(T value) where T : struct, Enum
    {
        string name = value.ToString();
        if (typeof(T) == typeof(Models.Pooling) || typeof(T) == typeof(Models.Precision)) return name.ToLowerInvariant();
        var snake = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }
}
