using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Interop;

/// <summary>
/// A PEFT LoRA adapter's <c>adapter_config.json</c> (PEFT's <c>LoraConfig</c>, as <c>save_pretrained</c> writes it: sorted
/// keys, indent 2). Only what computes the same function as this project's LoRA is accepted; every option that would make
/// PEFT compute something else is refused by name (<see cref="Read"/>).
/// </summary>
/// <param name="TaskType">SEQ_CLS, CAUSAL_LM, FEATURE_EXTRACTION, or null (an adapter on a bare base model).</param>
/// <param name="Rank">r: the rank of modules <paramref name="RankPattern"/> does not name.</param>
/// <param name="Alpha">lora_alpha: the alpha of modules <paramref name="AlphaPattern"/> does not name.</param>
/// <param name="TargetModules">A list of module names or suffixes, or one regular expression (PEFT: a string is full-matched).</param>
/// <param name="RankPattern">Per-module ranks, keyed by a module-name suffix (PEFT matches it as a regular expression).</param>
/// <param name="ModulesToSave">Modules trained in full and saved beside the adapters (a head, token embeddings).</param>
public sealed record PeftConfig(
    string? TaskType, int Rank, double Alpha, IReadOnlyList<string> TargetModules, string? TargetRegex,
    IReadOnlyDictionary<string, int> RankPattern, IReadOnlyDictionary<string, double> AlphaPattern,
    bool UseRsLora, double Dropout, bool FanInFanOut, IReadOnlyList<string> ModulesToSave, string? BaseModel)
{
    public const string FileName = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";

    public const string SequenceClassification = "SEQ_CLS", CausalLm = "CAUSAL_LM", FeatureExtraction = "FEATURE_EXTRACTION";
    static readonly string?[] TaskTypes = [SequenceClassification, CausalLm, FeatureExtraction, null];

    /// <summary>The scaling PEFT gives module <paramref name="path"/> of rank <paramref name="rank"/>: alpha/r, or alpha/√r with rsLoRA.</summary>
    public double ScalingFor(string path, int rank)
    {
        double alpha = Match(AlphaPattern, path) is { } key ? AlphaPattern[key] : Alpha;
        return UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
    }

    /// <summary>The rank PEFT builds module <paramref name="path"/> with.</summary>
    public int RankFor(string path) => Match(RankPattern, path) is { } key ? RankPattern[key] : Rank;

    /// <summary>PEFT's pattern lookup: the first key that is the name or matches its end after a dot.</summary>
    static string? Match<T>(IReadOnlyDictionary<string, T> pattern, string path) =>
        pattern.Keys.FirstOrDefault(key => key == path || Regex.IsMatch(path, $"^(.*\\.)?({key})$"));

    /// <summary>Whether PEFT would put an adapter on module <paramref name="path"/>.</summary>
    public bool Targets(string path) => TargetRegex is { } regex
        ? Regex.IsMatch(path, $"^(?:{regex})$")
        : TargetModules.Any(t => path == t || path.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>adapter_config.json as PEFT writes it: every LoraConfig field this project has an answer for, keys sorted, indent 2.</summary>
    public string ToJson()
    {
        var json = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["alpha_pattern"] = new JsonObject(AlphaPattern.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModel,
            ["bias"] = "none",
            ["fan_in_fan_out"] = FanInFanOut,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layer_replication"] = null,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = ModulesToSave.Count == 0 ? null : new JsonArray(ModulesToSave.Select(m => (JsonNode?)m).ToArray()),
            ["peft_type"] = "LORA",
            ["r"] = Rank,
            ["rank_pattern"] = new JsonObject(RankPattern.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["revision"] = null,
            ["target_modules"] = TargetRegex is { } regex ? regex : new JsonArray(TargetModules.Select(m => (JsonNode?)m).ToArray()),
            ["task_type"] = TaskType,
            ["use_dora"] = false,
            ["use_rslora"] = UseRsLora,
        };
        return new JsonObject(json).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>
    /// Reads and checks <c>adapter_config.json</c>. Refused, naming the file and the key: another peft_type; DoRA
    /// (<c>use_dora</c>); adapters on some layers only (<c>layers_to_transform</c>, <c>layers_pattern</c>); trained biases
    /// (<c>bias</c> other than "none", <c>lora_bias</c>); Megatron layers; initialisations that rewrite the base weights
    /// (PiSSA, OLoRA, LoftQ, CorDA); layer replication; trainable token indices; excluded modules; adapters on parameters.
    /// </summary>
    public static PeftConfig Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"PEFT adapter folder '{directory}' does not exist");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{directory}: no {FileName}; a PEFT adapter folder (save_pretrained) holds {FileName} and {WeightsFile}", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }

        string? String(string key) => json[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            var other => throw new InvalidDataException($"{path}: '{key}' should be a string, found {other.ToJsonString()}"),
        };
        bool Bool(string key) => json[key] switch
        {
            null => false,
            JsonValue v when v.TryGetValue(out bool b) => b,
            var other => throw new InvalidDataException($"{path}: '{key}' should be true or false, found {other.ToJsonString()}"),
        };
        double Number(string key, double fallback) => json[key] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue(out double d) => d,
            var other => throw new InvalidDataException($"{path}: '{key}' should be a number, found {other.ToJsonString()}"),
        };
        bool Present(string key) => json[key] switch
        {
            null => false,
            JsonArray a => a.Count > 0,
            JsonObject o => o.Count > 0,
            _ => true,
        };
        void Refuse(string key, string what, string why) =>
            throw new InvalidDataException($"{path}: {key} {what} is not supported: {why}; export the adapter without it (or merge it into the model) to use it here");

        string peftType = String("peft_type") ?? "LORA";
        if (peftType != "LORA") Refuse("peft_type", $"'{peftType}'", "only LoRA adapters are read");
        string? taskType = String("task_type");
        if (!TaskTypes.Contains(taskType))
            Refuse("task_type", $"'{taskType}'", $"the tasks here are {SequenceClassification}, {CausalLm} and {FeatureExtraction} (a base model)");
        if (Bool("use_dora")) Refuse("use_dora", "true", "DoRA rescales each weight's columns by a learnt magnitude, which LoRA here does not compute");
        if (Present("layers_to_transform")) Refuse("layers_to_transform", json["layers_to_transform"]!.ToJsonString(), "a LoRA target here is adapted in every layer");
        if (Present("layers_pattern")) Refuse("layers_pattern", json["layers_pattern"]!.ToJsonString(), "a LoRA target here is adapted in every layer");
        string bias = String("bias") ?? "none";
        if (bias != "none") Refuse("bias", $"'{bias}'", "the model's biases stay frozen under LoRA here (bias \"none\")");
        if (Bool("lora_bias")) Refuse("lora_bias", "true", "lora_B has no bias here");
        if (Present("megatron_config")) Refuse("megatron_config", "(set)", "Megatron's parallel linear layers are not part of these models");
        if (json["init_lora_weights"] is JsonValue init && init.TryGetValue(out string? method)
            && Regex.IsMatch(method, "^(pissa|olora|loftq|corda)", RegexOptions.IgnoreCase))
            Refuse("init_lora_weights", $"'{method}'", "this initialisation rewrites the base model's weights, which the adapter then needs");
        if (Present("loftq_config")) Refuse("loftq_config", "(set)", "LoftQ quantises and rewrites the base model's weights");
        if (Present("layer_replication")) Refuse("layer_replication", json["layer_replication"]!.ToJsonString(), "the models here do not duplicate layers");
        if (Present("trainable_token_indices")) Refuse("trainable_token_indices", "(set)", "token embeddings train here in full (lora.train_embeddings) or not at all");
        if (Present("exclude_modules")) Refuse("exclude_modules", json["exclude_modules"]!.ToJsonString(), "target modules are read as a list or one pattern");
        if (Present("target_parameters")) Refuse("target_parameters", "(set)", "adapters on raw parameters are not LoRA on linear layers");
        if (Present("alora_invocation_tokens")) Refuse("alora_invocation_tokens", "(set)", "activated LoRA is not computed here");
        if (Bool("use_qalora")) Refuse("use_qalora", "true", "QA-LoRA's pooled adapters are not computed here");
        // LoRA variants of PEFT 0.21's config (each null or false unless chosen): another function than B·A·x·s.
        if (Bool("use_bdlora")) Refuse("use_bdlora", "true", "block-diagonal LoRA is not computed here");
        foreach (string variant in new[] { "arrow_config", "kasa_config", "velora_config", "monteclora_config", "lora_ga_config" })
            if (Present(variant)) Refuse(variant, "(set)", "this LoRA variant is not computed here; plain LoRA (with rsLoRA, rank_pattern, alpha_pattern) is");

        var (targets, regex) = json["target_modules"] switch
        {
            JsonArray array => ((IReadOnlyList<string>)array.Select(n => n?.GetValue<string>() ?? "").ToList(), (string?)null),
            JsonValue v when v.TryGetValue(out string? s) => ([], s),
            null => throw new InvalidDataException($"{path}: no 'target_modules': a LoRA adapter names the modules it adapts"),
            var other => throw new InvalidDataException($"{path}: 'target_modules' should be a list of names or a pattern, found {other.ToJsonString()}"),
        };
        var modules = json["modules_to_save"] is JsonArray saved ? saved.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
        return new PeftConfig(
            taskType,
            (int)Number("r", 8),
            Number("lora_alpha", 8),
            targets, regex,
            Pattern(json, "rank_pattern", path, n => checked((int)n)),
            Pattern(json, "alpha_pattern", path, n => n),
            Bool("use_rslora"),
            Number("lora_dropout", 0),
            Bool("fan_in_fan_out"),
            modules,
            String("base_model_name_or_path"));
    }

    static Dictionary<string, T> Pattern<T>(JsonObject json, string key, string path, Func<double, T> convert)
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (json[key] is null) return result;
        if (json[key] is not JsonObject pattern)
            throw new InvalidDataException($"{path}: '{key}' should be an object (module name → value), found {json[key]!.ToJsonString()}");
        foreach (var (name, value) in pattern)
        {
            if (value is not JsonValue v || !v.TryGetValue(out double number))
                throw new InvalidDataException($"{path}: {key}.{name} should be a number, found {value?.ToJsonString() ?? "null"}");
            result[name] = convert(number);
        }
        return result;
    }
}
