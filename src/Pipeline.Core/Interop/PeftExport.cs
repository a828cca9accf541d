using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Interop;

/// <summary>
/// Writes a task model's LoRA adapters (and what trained beside them) as PEFT's <c>save_pretrained</c> does, so that
/// <c>PeftModel.from_pretrained(base, dir)</c> computes the same function: <c>adapter_model.safetensors</c> (metadata
/// format pt; <c>base_model.model.&lt;HF module&gt;.lora_A.weight</c> [r, in] and <c>.lora_B.weight</c> [out, r]; the head and
/// trained token embeddings as PEFT stores <c>modules_to_save</c>, under the module's own key) and
/// <c>adapter_config.json</c>. A head transformers has no class for goes beside it (<see cref="HeadFile"/>).
/// <para>
/// <c>target_modules</c> lists, per adapted module, the shortest name suffix that PEFT's matching (a module is targeted
/// when its name is the entry or ends with "." + entry) sends to adapted modules of the same rank and alpha only — so
/// <c>query</c>, but <c>attn.c_proj</c> where GPT-2 has two <c>c_proj</c>s, and <c>0.output.dense</c> per layer where BERT's
/// <c>output.dense</c> would also catch <c>attention.output.dense</c>. Per-target ranks go into <c>rank_pattern</c>;
/// GPT-2's fused query/value slices become one adapter on <c>c_attn</c> (<see cref="FusedSliceAdapters"/>) with its rank
/// and alpha in <c>rank_pattern</c>/<c>alpha_pattern</c>.
/// </para>
/// </summary>
public static class PeftExport
{
    public const string KeyPrefix = "base_model.model.";

    /// <summary>One adapted module: its path in the HF model, its PEFT tensors, rank and alpha.</summary>
    sealed record Module(string Path, Tensor A, Tensor B, int Rank, double Alpha);

    /// <param name="trained">The names of the parameters the run trained (adapter.bin's keys): adapters, head, and token embeddings with lora.train_embeddings.</param>
    /// <param name="baseModel">base_model_name_or_path: the pretrained model's name or directory.</param>
    /// <param name="labels">The classes, for the head file.</param>
    public static HfTaskModel Write(string directory, TaskModel model, LoraOptions lora, IReadOnlyCollection<string> trained,
        string baseModel, IReadOnlyList<string>? labels = null)
    {
        if (LoraParameters.Adapters(model).Any(a => a.IsMerged) || LoraParameters.FusedAdapters(model).Any(a => a.IsMerged))
            throw new ArgumentException("the model's adapters are merged into its weights; export before merging");
        var config = model.Backbone.Config;
        var family = config.Family;
        var form = HfTaskModel.Of(model);
        string backbone = family.BackboneName(config) + ".";
        string Hf(string name) => form.Prefix + name[backbone.Length..];   // our module name → HF module path
        using var scope = NewDisposeScope();

        var modules = new List<Module>();
        foreach (var (name, module) in model.named_modules())
        {
            if (module is LoraLinear linear)
                modules.Add(new Module(Hf(name), linear.A.weight!, linear.B.weight!, linear.Rank, lora.Alpha));
            else if (module is FusedLoraLinear fused)
            {
                var slices = fused.AdaptedSlices.Select(s => new SliceAdapter(SliceIndex(s), fused.A(s).weight!, fused.B(s).weight!,
                    lora.ScalingFor((int)fused.A(s).weight!.shape[0]))).ToList();
                var (a, b, scaling) = FusedSliceAdapters.Combine(slices, fused.Weight.shape[0] / 3, 3);
                int rank = (int)a.shape[0];
                int firstRank = (int)slices[0].A.shape[0];
                // σ' = σ₁ = α/r₁ (α/√r₁): PEFT's alpha for rank R is α·R/r₁ (α·√(R/r₁)), exact for the usual integers.
                double alpha = lora.UseRsLora ? lora.Alpha * Math.Sqrt((double)rank / firstRank) : lora.Alpha * rank / firstRank;
                if (Math.Abs((lora.UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank) - scaling) > 1e-12 * scaling)
                    throw new InvalidOperationException($"c_attn scaling {scaling} is not the per-slice scaling");
                modules.Add(new Module(Hf(name), a, b, rank, alpha));
            }
        }
        if (modules.Count == 0) throw new ArgumentException("the model has no LoRA adapters to export (lora: none runs export with --merged)");

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            tensors[KeyPrefix + m.Path + ".lora_A.weight"] = m.A.detach().cpu().to(ScalarType.Float32).contiguous();
            tensors[KeyPrefix + m.Path + ".lora_B.weight"] = m.B.detach().cpu().to(ScalarType.Float32).contiguous();
        }

        var modulesToSave = new List<string>();
        if (form.TaskType == PeftConfig.SequenceClassification) modulesToSave.AddRange(["classifier", "score"]);   // what PEFT's SEQ_CLS model adds
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var embeddings = trained.Where(n => !LoraParameters.IsAdapter(n) && !n.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        foreach (string name in embeddings)
        {
            if (!name.StartsWith(backbone, StringComparison.Ordinal) || !parameters.TryGetValue(name, out var parameter))
                throw new ArgumentException($"trained weight '{name}' is neither an adapter, the head, nor a backbone weight");
            string layoutName = name[backbone.Length..];
            string key = family.CheckpointKey(config, layoutName, form.Prefix);
            tensors[KeyPrefix + key] = family.ToCheckpoint(config, layoutName, parameter.detach().cpu().to(ScalarType.Float32)).contiguous();
            modulesToSave.Add(key[..key.LastIndexOf('.')].Split('.')[^1]);
        }
        // GPT-2's (and a tied LLaMA's) LM head is the token embedding itself: PEFT's trained copy of the embedding would
        // leave transformers' lm_head on the original weight, so the trained matrix is saved for lm_head too.
        if (form.TaskType == PeftConfig.CausalLm && embeddings.Count == 1 && model.Backbone.TokenEmbeddings.Count() == 1)
        {
            tensors[KeyPrefix + "lm_head.weight"] = tensors[KeyPrefix + family.CheckpointKey(config, embeddings[0][backbone.Length..], form.Prefix)].clone();
            modulesToSave.Add("lm_head");
        }
        if (form.TaskType == PeftConfig.SequenceClassification)
            foreach (var (name, parameter) in parameters.Where(p => p.Key.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal)))
                tensors[KeyPrefix + name] = parameter.detach().cpu().to(ScalarType.Float32).contiguous();

        var (targets, rankPattern, alphaPattern) = TargetModules(modules, model, form, lora);
        var peft = new PeftConfig(form.TaskType, lora.Rank, lora.Alpha, targets, null, rankPattern, alphaPattern, lora.UseRsLora,
            lora.Dropout, FanInFanOut: config.ModelType == "gpt2", modulesToSave, baseModel);

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, PeftConfig.WeightsFile), tensors);
        File.WriteAllText(Path.Combine(directory, PeftConfig.FileName), peft.ToJson());
        if (!form.HasHead && form.TaskType != PeftConfig.CausalLm) HeadFile.Write(directory, model, labels);
        return form;
    }

    /// <summary>The slice's index in the fused projection: GPT-2's c_attn holds query, key, value in that order.</summary>
    internal static int SliceIndex(string slice) =>
        Vocabulary.YamlVocabulary.Parse<LoraTarget>(slice) switch
        {
            LoraTarget.Query => 0,
            LoraTarget.Key => 1,
            LoraTarget.Value => 2,
            _ => throw new ArgumentException($"'{slice}' is not a slice of a fused q/k/v projection"),
        };

    static (List<string> Targets, Dictionary<string, int> Ranks, Dictionary<string, double> Alphas) TargetModules(
        List<Module> modules, TaskModel model, HfTaskModel form, LoraOptions lora)
    {
        var config = model.Backbone.Config;
        var family = config.Family;
        // Every module PEFT could match by name: the family's LoRA modules in every layer, and the heads' linear layers.
        var universe = new HashSet<string>(StringComparer.Ordinal);
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            foreach (var target in family.LoraTargets)
                universe.Add(form.Prefix + family.LoraModulePath(config, target, layer));
        foreach (string head in new[] { "classifier", "classifier.dense", "classifier.out_proj", "score", "lm_head", form.Prefix + "pooler.dense" })
            universe.Add(head);
        var adapted = modules.ToDictionary(m => m.Path, m => (m.Rank, m.Alpha), StringComparer.Ordinal);

        var targets = new List<string>();
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        var alphas = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            string[] parts = m.Path.Split('.');
            string suffix = m.Path;
            for (int n = 1; n <= parts.Length; n++)
            {
                string candidate = string.Join('.', parts[^n..]);
                var matched = universe.Where(u => u == candidate || u.EndsWith("." + candidate, StringComparison.Ordinal)).ToList();
                if (matched.All(u => adapted.TryGetValue(u, out var other) && other == (m.Rank, m.Alpha)))
                {
                    suffix = candidate;
                    break;
                }
            }
            if (targets.Contains(suffix)) continue;
            targets.Add(suffix);
            if (m.Rank != lora.Rank) ranks[suffix] = m.Rank;
            if (m.Alpha != lora.Alpha) alphas[suffix] = m.Alpha;
        }
        targets.Sort(StringComparer.Ordinal);
        return (targets, ranks, alphas);
    }
}
