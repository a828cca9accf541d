using Pipeline.Vocabulary;

namespace Pipeline.Lora;

/// <summary>The linear layers of a transformer block that LoRA can adapt; [Default] marks the default targets.</summary>
public enum LoraTarget
{
    /// <summary>Attention query projection.</summary>
    [YamlName("query"), Default]
    Query,
    /// <summary>Attention key projection.</summary>
    [YamlName("key")]
    Key,
    /// <summary>Attention value projection.</summary>
    [YamlName("value"), Default]
    Value,
    /// <summary>Projection after attention (BERT attention.output.dense).</summary>
    [YamlName("attention_output")]
    AttentionOutput,
    /// <summary>FFN up-projection (BERT intermediate.dense, GPT-2 mlp.c_fc, LLaMA mlp.up_proj).</summary>
    [YamlName("ffn_in")]
    FfnIn,
    /// <summary>FFN down-projection (BERT output.dense, GPT-2 mlp.c_proj, LLaMA mlp.down_proj).</summary>
    [YamlName("ffn_out")]
    FfnOut,
    /// <summary>
    /// The gate of a gated FFN (LLaMA's SwiGLU mlp.gate_proj, whose silu multiplies the up-projection). Families without
    /// a gate (BERT, GPT-2) refuse it (<see cref="Models.ModelFamily.LoraTargets"/>) rather than train nothing there.
    /// </summary>
    [YamlName("ffn_gate")]
    FfnGate,
}

/// <summary>
/// LoRA (Hu et al. 2021): y = W x + b + B(A(drop(x)))·s with s = alpha/r (or alpha/√r for rsLoRA);
/// A Kaiming-uniform, B zero, so training starts exactly at the pretrained model.
/// </summary>
/// <param name="Rank">r: the rank of B·A; the paper uses 8 for RoBERTa-large and LLaMA2-7B.</param>
/// <param name="Alpha">The scalar alpha; the paper uses 16 (32 for GPT2-M with r = 4).</param>
/// <param name="Targets">Which projections get an adapter. The paper's tables say query and value (its text says key and value).</param>
/// <param name="Dropout">PEFT's lora_dropout on the adapter input; 0 in the paper's baselines ("all dropout disabled").</param>
/// <param name="UseRsLora">Scale by alpha/√r (rank-stabilised LoRA) instead of alpha/r.</param>
/// <param name="RankPerTarget">Optional rank overrides per target.</param>
/// <param name="TrainEmbeddings">
/// Also train the token embeddings (and an untied LM head) in full, as PEFT's <c>modules_to_save</c> does: for a decoder
/// whose pretraining never saw the task's vocabulary, which adapters alone cannot reach through a frozen output
/// projection (docs/results-nlg.md). Saved with the adapters.
/// </param>
/// <param name="InitFrom">
/// A PEFT adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, trained here or elsewhere) whose
/// weights the adapters (and the head, and trained embeddings, where it holds them) start from instead of their usual
/// initialisation; its rank, alpha, targets and rsLoRA must be the experiment's (Interop/PeftAdapter.cs, docs/interop.md).
/// </param>
public sealed record LoraOptions(
    int Rank = 8,
    double Alpha = 16,
    IReadOnlyList<LoraTarget>? Targets = null,
    double Dropout = 0.0,
    bool UseRsLora = false,
    IReadOnlyDictionary<LoraTarget, int>? RankPerTarget = null,
    bool TrainEmbeddings = false,
    string? InitFrom = null)
{
    public IReadOnlyList<LoraTarget> Targets { get; init; } = Targets ?? DefaultTargets;

    /// <summary>The targets marked [Default]: query and value.</summary>
    public static IReadOnlyList<LoraTarget> DefaultTargets { get; } = YamlVocabulary.Marked<LoraTarget, DefaultAttribute>();
    public IReadOnlyDictionary<LoraTarget, int> RankPerTarget { get; init; } = RankPerTarget ?? new Dictionary<LoraTarget, int>();

    /// <summary>The rank for <paramref name="target"/>, or 0 when it is not adapted.</summary>
    public int RankFor(LoraTarget target) =>
        !Targets.Contains(target) ? 0 : RankPerTarget.TryGetValue(target, out int r) ? r : Rank;

    public double ScalingFor(int rank) => UseRsLora ? Alpha / Math.Sqrt(rank) : Alpha / rank;

    public IEnumerable<string> Validate()
    {
        if (Rank <= 0) yield return $"rank {Rank} must be ≥ 1";
        if (!(Alpha > 0)) yield return $"alpha {Alpha} must be > 0";
        if (!(Dropout >= 0 && Dropout < 1)) yield return $"dropout {Dropout} is outside [0, 1)";
        if (Targets.Count == 0) yield return "targets must name at least one of " + string.Join(", ", YamlVocabulary.NamesOf<LoraTarget>());
        foreach (var (target, rank) in RankPerTarget)
        {
            if (rank <= 0) yield return $"rank of {target} is {rank}; it must be ≥ 1";
            if (!Targets.Contains(target)) yield return $"a rank is given for {target}, which is not among the targets";
        }
    }
}
