using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Training;
using Pipeline.Vocabulary;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>
/// A PEFT LoRA adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, from <c>save_pretrained</c>
/// here or anywhere else) read for one pretrained model: the LoRA options that rebuild its adapters here, and its
/// tensors under this project's parameter names. PEFT's module names map back to LoRA targets through the family
/// (<see cref="ModelFamily.LoraModulePath"/>); each module's PEFT scaling (alpha/r, alpha_pattern, rank_pattern, rsLoRA)
/// that differs from the scaling the options give is folded into its B, so the model computes PEFT's function exactly.
/// GPT-2's c_attn adapter is split into slice adapters (<see cref="FusedSliceAdapters.Split"/>).
/// <para>
/// Refused, naming the file and the key or tensor: the options <see cref="PeftConfig.Read"/> refuses; a module that is no
/// LoRA target of the family; a target adapted in some layers only, or with different ranks in different layers (one
/// rank per target here); LoRA on embeddings (<c>lora_embedding_A</c>); DoRA magnitudes; a head transformers' class has
/// but ours does not (GPT2ForSequenceClassification's <c>score</c>).
/// </para>
/// </summary>
/// <param name="Options">The adapters' shape: targets, rank (PEFT's r) and per-target ranks, alpha, rsLoRA, lora_dropout; TrainEmbeddings when embeddings were saved.</param>
/// <param name="Weights">Tensors by this project's parameter names (adapters, head <c>classifier.*</c>, token embeddings).</param>
/// <param name="Head">The head the weights are for (pooler for BertForSequenceClassification, roberta for RoBERTa's, the head file's), or null (a causal LM, or no head saved).</param>
/// <param name="Pooling">The linear head's pooling from the head file.</param>
public sealed record PeftAdapter(string Directory, PeftConfig Config, LoraOptions Options, IReadOnlyDictionary<string, Tensor> Weights,
    HeadKind? Head, Pooling? Pooling) : IDisposable
{
    public static PeftAdapter Read(string directory, IModelConfig model)
    {
        var config = PeftConfig.Read(directory);
        string weightsPath = Path.Combine(directory, PeftConfig.WeightsFile);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"{directory}: no {PeftConfig.WeightsFile} (adapter_model.bin, a pickle, is never read: save with safe_serialization=True)", weightsPath);
        var family = model.Family;
        string backbone = family.BackboneName(model) + ".";

        // PEFT module path (without the task model's prefix) → the targets it adapts and the layer.
        var modules = new Dictionary<string, (List<LoraTarget> Targets, int Layer)>(StringComparer.Ordinal);
        for (int layer = 0; layer < model.NumHiddenLayers; layer++)
            foreach (var target in family.LoraTargets)
            {
                string path = family.LoraModulePath(model, target, layer);
                if (!modules.TryGetValue(path, out var entry)) modules[path] = entry = ([], layer);
                entry.Targets.Add(target);
            }
        // HF checkpoint key (with the prefix, as CheckpointKey writes it) → our backbone parameter name, for modules_to_save.
        var backboneKeys = family.Layout(model).Shapes().Keys.ToDictionary(n => family.CheckpointKey(model, n, backbone), n => backbone + n, StringComparer.Ordinal);

        using var scope = NewDisposeScope();
        var raw = SafetensorsFile.Load(weightsPath);   // owned by the scope: only the weights returned leave it
        var adapters = new Dictionary<string, (Tensor? A, Tensor? B)>(StringComparer.Ordinal);
        var saved = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in raw)
        {
            if (!key.StartsWith(PeftExport.KeyPrefix, StringComparison.Ordinal))
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' does not start with '{PeftExport.KeyPrefix}', as every key of a PEFT adapter does");
            string name = key[PeftExport.KeyPrefix.Length..];
            if (name.Contains(".lora_embedding_", StringComparison.Ordinal))
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' is LoRA on an embedding, which is not supported (train embeddings in full: modules_to_save)");
            if (name.Contains(".lora_magnitude_vector", StringComparison.Ordinal))
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' is a DoRA magnitude, which is not supported");
            if (name.EndsWith(".lora_A.weight", StringComparison.Ordinal) || name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
            {
                string path = name[..^".lora_A.weight".Length];
                var entry = adapters.GetValueOrDefault(path);
                adapters[path] = name.EndsWith(".lora_A.weight", StringComparison.Ordinal) ? (tensor, entry.B) : (entry.A, tensor);
            }
            else if (name.Contains(".lora_", StringComparison.Ordinal))
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' is a LoRA tensor of a kind not supported here (only lora_A.weight and lora_B.weight)");
            else
                saved[name] = tensor;
        }
        if (adapters.Count == 0) throw new InvalidDataException($"{weightsPath}: no lora_A/lora_B tensors");

        // Per module: targets, layer, PEFT tensors and scaling.
        var found = new List<(string Key, LoraTarget[] Targets, int Layer, Tensor A, Tensor B, double Scaling)>();
        foreach (var (path, (a, b)) in adapters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string key = PeftExport.KeyPrefix + path;
            if (a is null || b is null)
                throw new InvalidDataException($"{weightsPath}: '{key}' has {(a is null ? "lora_B" : "lora_A")}.weight but not {(a is null ? "lora_A" : "lora_B")}.weight");
            string relative = path.StartsWith(backbone, StringComparison.Ordinal) ? path[backbone.Length..] : path;
            if (!modules.TryGetValue(relative, out var module))
                throw new InvalidDataException($"{weightsPath}: '{key}.lora_A.weight' adapts '{path}', which is not a LoRA target of the {family.Name} " +
                    $"({model.Describe()}); its targets are {string.Join(", ", family.LoraTargets.Select(t => YamlVocabulary.NameOf(t)))}");
            int rank = (int)a.shape[0];
            if (a.dim() != 2 || b.dim() != 2 || b.shape[1] != rank)
                throw new InvalidDataException($"{weightsPath}: '{key}': lora_A {TensorShape.Format(a.shape)} and lora_B {TensorShape.Format(b.shape)} are not [r, in] and [out, r]");
            if (config.RankFor(path) != rank)
                throw new InvalidDataException($"{weightsPath}: '{key}.lora_A.weight' has rank {rank}, but {PeftConfig.FileName} gives the module rank {config.RankFor(path)} (r, rank_pattern)");
            found.Add((key, [.. module.Targets], module.Layer, a.to(ScalarType.Float32), b.to(ScalarType.Float32), config.ScalingFor(path, rank)));
        }

        // Fused modules split into slice adapters; then one rank per target, over every layer.
        var pieces = new List<(string Key, LoraTarget Target, int Layer, Tensor A, Tensor B, double Scaling)>();
        foreach (var f in found)
        {
            if (f.Targets.Length == 1) { pieces.Add((f.Key, f.Targets[0], f.Layer, f.A, f.B, f.Scaling)); continue; }
            long width = f.B.shape[0] / f.Targets.Length;
            foreach (var slice in FusedSliceAdapters.Split(f.A, f.B, f.Scaling, width, f.Targets.Length))
                pieces.Add((f.Key, f.Targets[slice.Slice], f.Layer, slice.A, slice.B, slice.Scaling));
        }
        var targets = pieces.Select(p => p.Target).Distinct().Order().ToList();
        var targetRanks = new Dictionary<LoraTarget, int>();
        foreach (var target in targets)
        {
            var of = pieces.Where(p => p.Target == target).ToList();
            var layers = of.Select(p => p.Layer).ToHashSet();
            if (layers.Count != model.NumHiddenLayers)
                throw new InvalidDataException($"{weightsPath}: target {YamlVocabulary.NameOf(target)} is adapted in layer{(layers.Count > 1 ? "s" : "")} " +
                    $"{string.Join(", ", layers.Order())} only ('{of[0].Key}'); a LoRA target here is adapted in all {model.NumHiddenLayers} layers");
            var ranks = of.Select(p => (int)p.A.shape[0]).Distinct().ToList();
            if (ranks.Count > 1)
                throw new InvalidDataException($"{weightsPath}: target {YamlVocabulary.NameOf(target)} has ranks {string.Join(", ", ranks)} in different layers; " +
                    "one rank per target is supported here");
            targetRanks[target] = ranks[0];
        }
        int defaultRank = targetRanks.Values.Contains(config.Rank) ? config.Rank : targetRanks.Values.GroupBy(r => r).OrderByDescending(g => g.Count()).First().Key;

        var (head, pooling, weights) = (default(HeadKind?), default(Pooling?), new Dictionary<string, Tensor>(StringComparer.Ordinal));
        bool trainEmbeddings = false;
        foreach (var (name, tensor) in saved.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string key = PeftExport.KeyPrefix + name;
            if (name.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal))
            {
                weights[name] = tensor.to(ScalarType.Float32).MoveToOuterDisposeScope();
                continue;
            }
            if (name.StartsWith("score.", StringComparison.Ordinal))
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' is the last-token head ('score') of a *ForSequenceClassification decoder, which has no counterpart here");
            string withPrefix = name.StartsWith(backbone, StringComparison.Ordinal) || name.StartsWith("lm_head.", StringComparison.Ordinal) ? name : backbone + name;
            if (backboneKeys.TryGetValue(withPrefix, out string? parameter))
            {
                var layoutName = parameter[backbone.Length..];
                weights[parameter] = family.FromCheckpoint(model, layoutName, key, tensor.to(ScalarType.Float32), weightsPath).MoveToOuterDisposeScope();
                trainEmbeddings = true;
            }
            else if (name == "lm_head.weight" && model.Family.Layout(model).Shapes().Keys.All(k => !k.StartsWith("lm_head.", StringComparison.Ordinal)))
                continue;   // a tied LM head: the model reads the (saved) token embedding
            else
                throw new InvalidDataException($"{weightsPath}: tensor '{key}' (modules_to_save) is neither the head (classifier.*) nor a weight of {model.Describe()}");
        }
        if (weights.ContainsKey("classifier.out_proj.weight")) head = HeadKind.Roberta;
        else if (weights.ContainsKey("classifier.weight")) head = HeadKind.Pooler;
        if (HeadFile.Read(directory) is { } file)
        {
            if (head is not null)
                throw new InvalidDataException($"{directory}: both {PeftConfig.WeightsFile} and {HeadFile.WeightsFile} hold a head; keep one");
            (head, pooling) = (file.Kind, file.Pooling);
            foreach (var (name, tensor) in file.Weights) weights[name] = tensor.MoveToOuterDisposeScope();
        }

        var options = new LoraOptions(
            Rank: defaultRank, Alpha: config.Alpha, Targets: targets, Dropout: config.Dropout, UseRsLora: config.UseRsLora,
            RankPerTarget: targetRanks.Where(p => p.Value != defaultRank).ToDictionary(p => p.Key, p => p.Value),
            TrainEmbeddings: trainEmbeddings);

        foreach (var piece in pieces)
        {
            string path = backbone + family.LoraModulePath(model, piece.Target, piece.Layer);
            bool fused = modules[family.LoraModulePath(model, piece.Target, piece.Layer)].Targets.Count > 1;
            string slice = fused ? LinearFactory.SliceName(piece.Target) + "." : "";
            double ours = options.ScalingFor(options.RankFor(piece.Target));
            // PEFT's scaling σ_PEFT and ours σ differ (alpha_pattern, rank_pattern): B·σ_PEFT = (B·σ_PEFT/σ)·σ.
            double factor = piece.Scaling / ours;
            weights[$"{path}.lora_A.{slice}weight"] = piece.A.contiguous().MoveToOuterDisposeScope();
            weights[$"{path}.lora_B.{slice}weight"] = (factor == 1.0 ? piece.B.contiguous() : piece.B * factor).MoveToOuterDisposeScope();
        }
        return new PeftAdapter(directory, config, options, weights, head, pooling);
    }

    /// <summary>
    /// Copies the weights into <paramref name="model"/>, built with <see cref="Options"/>: every adapter of the model must
    /// get one, and every weight must have a parameter of its shape.
    /// </summary>
    public void LoadInto(TaskModel model)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, tensor) in Weights)
        {
            if (!parameters.TryGetValue(name, out var parameter))
                throw new InvalidDataException($"{Directory}: weight '{name}' has no parameter in the model ({model.Backbone.Config.Describe()}, head {model.Head.GetType().Name})");
            if (!parameter.shape.SequenceEqual(tensor.shape))
                throw new InvalidDataException($"{Directory}: weight '{name}' is {TensorShape.Format(tensor.shape)}, the model's is {TensorShape.Format(parameter.shape)}" +
                    (name.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal) ? " (another number of labels?)" : ""));
        }
        var missing = parameters.Keys.Where(n => LoraParameters.IsAdapter(n) && !Weights.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{Directory}: the adapter has no weight for the model's '{missing[0]}'" + (missing.Count > 1 ? $" and {missing.Count - 1} more" : ""));
        Checkpoints.Restore(model, Weights);
    }

    /// <summary>
    /// For <c>lora.init_from</c>: the experiment's LoRA must be the adapter's (rank per target, alpha, rsLoRA, targets), and
    /// a head the adapter holds must be the model's; otherwise an <see cref="ArgumentException"/> names the file, the key
    /// and both values.
    /// </summary>
    public void EnsureFits(LoraOptions experiment, TaskModel model)
    {
        string file = Path.Combine(Directory, PeftConfig.FileName);
        string Names(IEnumerable<LoraTarget> targets) => string.Join(", ", targets.Select(t => YamlVocabulary.NameOf(t)));
        if (!experiment.Targets.Order().SequenceEqual(Options.Targets.Order()))
            throw new ArgumentException($"lora.init_from: {file} adapts {Names(Options.Targets.Order())} (target_modules), the experiment's lora.targets are " +
                $"{Names(experiment.Targets.Order())}; write the adapter's targets in the experiment");
        foreach (var target in Options.Targets.Where(t => experiment.RankFor(t) != Options.RankFor(t)))
            throw new ArgumentException($"lora.init_from: {file} gives {YamlVocabulary.NameOf(target)} rank {Options.RankFor(target)} (r, rank_pattern), " +
                $"the experiment {experiment.RankFor(target)} (lora.rank, lora.rank_per_target); write the adapter's rank in the experiment");
        if (experiment.Alpha != Options.Alpha)
            throw new ArgumentException($"lora.init_from: {file} has lora_alpha {Options.Alpha}, the experiment's lora.alpha is {experiment.Alpha}; write the adapter's alpha in the experiment");
        if (experiment.UseRsLora != Options.UseRsLora)
            throw new ArgumentException($"lora.init_from: {file} has use_rslora {(Options.UseRsLora ? "true" : "false")}, the experiment's lora.rslora is " +
                $"{(experiment.UseRsLora ? "true" : "false")}; write the adapter's value in the experiment");
        if (Options.TrainEmbeddings && !experiment.TrainEmbeddings)
            throw new ArgumentException($"lora.init_from: {file} saves trained token embeddings (modules_to_save); set lora.train_embeddings: true to start from them");
        if (Head is { } head && HeadFile.KindOf(model.Head) is var (kind, pooling) && (kind != head || (Pooling is not null && pooling != Pooling)))
            throw new ArgumentException($"lora.init_from: {Directory} holds a {YamlVocabulary.NameOf(head)} head{(Pooling is { } p ? $" ({YamlVocabulary.NameOf(p)} pooling)" : "")}, " +
                $"the experiment's model uses head {YamlVocabulary.NameOf(kind)}{(pooling is { } q ? $" ({YamlVocabulary.NameOf(q)} pooling)" : "")}; set model.head (and model.pooling) to the adapter's");
    }

    /// <summary>Whether the weights hold a head for the model (else it keeps its fresh one).</summary>
    public bool HasHead => Weights.Keys.Any(k => k.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal));

    public void Dispose()
    {
        foreach (var tensor in Weights.Values) tensor.Dispose();
    }
}
