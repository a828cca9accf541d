using System.Collections.Generic;
using System.Linq;
using Pipeline.Generators.Model;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Emit;

/// <summary>
/// One C# expression per YAML section, each built in one method here: the runtime record's constructor with
/// the keys the YAML wrote as named arguments (the rest keep the runtime's defaults), presets through
/// Presets.X(…), explicit lists through new DropSpec(…). Remapping a section means changing one method.
/// </summary>
public static class SectionEmitter
{
    public static string Model(ModelSection model, VocabularyModel vocabulary)
    {
        var args = new List<string>();
        // ModelOptions defaults Name to the embedded MiniLM: a checkpoint path must clear it.
        if (model.Name is not null || model.Path is not null) args.Add("Name: " + Literals.String(model.Name));
        if (model.Path is not null) args.Add("Path: " + Literals.String(model.Path));
        if (model.Pooling is not null) args.Add("Pooling: " + vocabulary.Poolings.Expression(model.Pooling));
        if (model.Head is not null) args.Add("Head: " + vocabulary.Heads.Expression(model.Head));
        return Literals.Call("new ModelOptions", args);
    }

    public static string Task(TaskSection task)
    {
        var args = new List<string>();
        // TaskOptions defaults Dataset to mr-polarity: a user's file must clear it.
        if (task.Dataset is not null || task.Format is not null) args.Add("Dataset: " + Literals.String(task.Dataset));
        if (task.Format is not null) args.Add("Format: " + Literals.String(task.Format));
        if (task.Path is not null) args.Add("Path: " + Literals.String(task.Path));
        if (task.TextColumn is not null) args.Add("TextColumn: " + Literals.String(task.TextColumn));
        if (task.PairColumn is not null) args.Add("PairColumn: " + Literals.String(task.PairColumn));
        if (task.LabelColumn is not null) args.Add("LabelColumn: " + Literals.String(task.LabelColumn));
        if (task.Regression is bool regression) args.Add("Regression: " + Literals.Boolean(regression));
        if (task.MaxLength is int maxLength) args.Add("MaxLength: " + Literals.Integer(maxLength));
        if (task.MaxExamples is int maxExamples) args.Add("MaxExamples: " + Literals.Integer(maxExamples));
        if (task.MaxEvalExamples is int maxEval) args.Add("MaxEvalExamples: " + Literals.Integer(maxEval));
        if (task.Metric is not null) args.Add("Metric: " + Literals.String(task.Metric));
        if (task.Decoding is { } decoding) args.Add("Decoding: " + Decoding(decoding));
        if (task.TrainEveryReference is bool every) args.Add("TrainEveryReference: " + Literals.Boolean(every));
        return Literals.Call("new TaskOptions", args);
    }

    static string Decoding(DecodingSection decoding)
    {
        var args = new List<string>();
        if (decoding.NumBeams is int beams) args.Add("NumBeams: " + Literals.Integer(beams));
        if (decoding.LengthPenalty is double penalty) args.Add("LengthPenalty: " + Literals.Number(penalty));
        if (decoding.NoRepeatNgramSize is int ngram) args.Add("NoRepeatNgramSize: " + Literals.Integer(ngram));
        if (decoding.MaxNewTokens is int tokens) args.Add("MaxNewTokens: " + Literals.Integer(tokens));
        return Literals.Call("new DecodingOptions", args);
    }

    /// <summary><c>new LoraOptions(…)</c>, or <c>null</c> for <c>lora: none</c> (full fine-tuning).</summary>
    public static string Lora(LoraSection lora, VocabularyModel vocabulary)
    {
        if (lora.IsNone) return "null";
        var args = new List<string>();
        if (lora.Rank is int rank) args.Add("Rank: " + Literals.Integer(rank));
        if (lora.Alpha is double alpha) args.Add("Alpha: " + Literals.Number(alpha));
        if (lora.Targets is { } targets)
            args.Add("Targets: " + Literals.Array(vocabulary.LoraTargets.TypeName, targets.Select(vocabulary.LoraTargets.Expression).ToList()));
        if (lora.Dropout is double dropout) args.Add("Dropout: " + Literals.Number(dropout));
        if (lora.RsLora is bool rs) args.Add("UseRsLora: " + Literals.Boolean(rs));
        if (lora.TrainEmbeddings is bool embeddings) args.Add("TrainEmbeddings: " + Literals.Boolean(embeddings));
        if (lora.InitFrom is string initFrom) args.Add("InitFrom: " + Literals.String(initFrom));
        if (lora.RankPerTarget is { } ranks)
        {
            string entries = string.Join(", ", ranks.Select(r => $"[{vocabulary.LoraTargets.Expression(r.Target)}] = {Literals.Integer(r.Rank)}"));
            args.Add($"RankPerTarget: new Dictionary<{vocabulary.LoraTargets.TypeName}, int> {{ {entries} }}");
        }
        return Literals.Call("new LoraOptions", args);
    }

    /// <summary>The dropout plan with its compensation: YAML <c>dropout</c> and <c>compensation</c> together.</summary>
    public static string Dropout(DropoutSection dropout, CompensationSection? compensation, VocabularyModel vocabulary)
    {
        var effective = Plans.Effective(dropout, compensation, vocabulary);
        if (dropout.IsList)
        {
            var entries = dropout.Entries!.Value;
            if (entries.Count == 0 && effective.IsNone) return "DropoutPlan.None";
            string plan = Literals.Call("new DropoutPlan", entries.Select(e => DropSpec(e, vocabulary)).ToList());
            return effective.IsNone ? plan : $"{plan}.With({Compensation(effective, vocabulary)})";
        }

        // Presets.X(…) with the parameters the YAML gave, by their C# names; a shared 'rate' fills each rate.
        var preset = vocabulary.Preset(dropout.Preset ?? vocabulary.Baseline)!;
        var sharedRate = preset.Facts.RatesSetBy(PresetFacts.SharedRateKey);
        var args = new List<string>();
        foreach (var parameter in preset.Parameters)
        {
            if (parameter.IsPattern)
            {
                if (dropout.Pattern is not null) args.Add($"{parameter.Name}: {vocabulary.Patterns.Expression(dropout.Pattern)}");
            }
            else if ((dropout.RateOf(parameter.Key) ?? (sharedRate.Contains(parameter.Key) ? dropout.Rate : null)) is double rate)
                args.Add($"{parameter.Name}: {Literals.Number(rate)}");
        }

        // A preset with a compensation of its own ([CompensationWeight]) takes the YAML weight as that
        // parameter; any other compensation replaces its own through .With(…).
        var own = Plans.PresetCompensation(preset.Yaml, vocabulary);
        if (!own.IsNone && effective with { Weight = own.Weight } == own)
        {
            if (compensation?.Weight is not null) args.Add($"{preset.Compensation!.WeightParameter}: {Literals.Number(effective.Weight)}");
            return Literals.Call("Presets." + preset.Method, args);
        }
        string call = Literals.Call("Presets." + preset.Method, args);
        return effective.IsNone && own.IsNone ? call : $"{call}.With({Compensation(effective, vocabulary)})";
    }

    static string DropSpec(DropEntry entry, VocabularyModel vocabulary)
    {
        var args = new List<string>
        {
            vocabulary.Positions.Expression(entry.Position),
            vocabulary.Patterns.Expression(entry.Pattern),
            Literals.Number(entry.Rate),
        };
        if (entry.Layers is { } layers)
        {
            args.Add("Layers: " + layers.Kind switch
            {
                LayersValue.All => "LayerSelection.All",
                LayersValue.LatterHalf => "LayerSelection.LatterHalf",
                _ => $"LayerSelection.Of({string.Join(", ", layers.Indices.Select(Literals.Integer))})",
            });
        }
        if (entry.SpanStart is not null) args.Add("SpanStart: " + vocabulary.SpanStarts.Expression(entry.SpanStart));
        if (entry.Normalization is not null) args.Add("Normalization: " + vocabulary.Normalizations.Expression(entry.Normalization));
        return Literals.Call("new DropSpec", args);
    }

    /// <summary><c>new BidirectionalKl(w)</c>: the kind's record, with branches and reduction only when not their defaults.</summary>
    static string Compensation(EffectiveCompensation compensation, VocabularyModel vocabulary)
    {
        if (vocabulary.Compensation(compensation.Kind) is not { } kind) return "CompensationMeasure.None";
        var args = new List<string> { Literals.Number(compensation.Weight) };
        if (compensation.Branches is not null && compensation.Branches != kind.DefaultBranches)
            args.Add(vocabulary.Branches.Expression(compensation.Branches));
        // Named: the reduction is not at the same position in every record.
        if (compensation.Reduction is not null && compensation.Reduction != kind.DefaultReduction)
            args.Add("Reduction: " + vocabulary.Reductions.Expression(compensation.Reduction));
        return $"new {kind.TypeName}({string.Join(", ", args)})";
    }

    public static string Training(TrainingSection training, VocabularyModel vocabulary)
    {
        var args = new List<string>();
        if (training.Epochs is int epochs) args.Add("Epochs: " + Literals.Integer(epochs));
        if (training.BatchSize is int batch) args.Add("BatchSize: " + Literals.Integer(batch));
        if (training.LearningRate is double lr) args.Add("LearningRate: " + Literals.Number(lr));
        if (training.WeightDecay is double wd) args.Add("WeightDecay: " + Literals.Number(wd));
        if (training.WarmupRatio is double warmup) args.Add("WarmupRatio: " + Literals.Number(warmup));
        if (training.MaxGradNorm is double norm) args.Add("MaxGradNorm: " + Literals.Number(norm));
        if (training.GradientAccumulation is int accumulation) args.Add("GradientAccumulation: " + Literals.Integer(accumulation));
        if (training.EvalEverySteps is int every) args.Add("EvalEverySteps: " + Literals.Integer(every));
        if (training.EarlyStoppingPatience is int patience) args.Add("EarlyStoppingPatience: " + Literals.Integer(patience));
        if (training.Device is not null) args.Add("Device: " + Literals.String(training.Device));
        if (training.Precision is not null) args.Add("Precision: " + vocabulary.Precisions.Expression(training.Precision));
        if (training.LabelSmoothing is double smoothing) args.Add("LabelSmoothing: " + Literals.Number(smoothing));
        if (training.EvalFromEpoch is int from) args.Add("EvalFromEpoch: " + Literals.Integer(from));
        return Literals.Call("new TrainingOptions", args);
    }

    public static string Seeds(EquatableArray<int> seeds) => Literals.Array("int", seeds.Select(Literals.Integer).ToList());
}
