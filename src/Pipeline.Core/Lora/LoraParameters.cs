using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Lora;

/// <summary>Counts of a model's parameters: what LoRA (or full fine-tuning) trains versus what the model holds.</summary>
public sealed record ParameterCounts(long Total, long Adapter, long Head, long Trainable)
{
    /// <summary>Adapter share of all parameters, classifier excluded (how the paper counts its 0.22%).</summary>
    public double AdapterShare => (double)Adapter / (Total - Head);

    /// <summary>No adapters, and the backbone's own weights train (<c>lora: none</c>).</summary>
    public bool IsFullFineTuning => Adapter == 0 && Trainable > Head;

    public override string ToString() => IsFullFineTuning
        ? $"full fine-tuning, {Trainable:N0} trainable parameters of {Total:N0} (head {Head:N0})"
        : $"{Trainable:N0} trainable of {Total:N0} parameters: LoRA {Adapter:N0} ({AdapterShare:P3} of the model without its head), head {Head:N0}";
}

/// <summary>Freezing, merging and counting for models built with <see cref="LinearFactory"/>.</summary>
public static class LoraParameters
{
    public static bool IsAdapter(string name) => name.Contains("lora_A.", StringComparison.Ordinal) || name.Contains("lora_B.", StringComparison.Ordinal);

    /// <summary>
    /// Everything frozen except the adapters and the parameters whose name starts with one of
    /// <paramref name="trainablePrefixes"/> (the task head).
    /// </summary>
    public static void FreezeAllButAdapters(nn.Module model, params string[] trainablePrefixes)
    {
        foreach (var (name, parameter) in model.named_parameters())
            parameter.requires_grad = IsAdapter(name) || trainablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
    }

    /// <summary>Full fine-tuning (<c>lora: none</c>): every parameter trains, backbone and head alike.</summary>
    public static void TrainAll(nn.Module model)
    {
        foreach (var (_, parameter) in model.named_parameters()) parameter.requires_grad = true;
    }

    public static ParameterCounts Count(nn.Module model, string headPrefix)
    {
        long total = 0, adapter = 0, head = 0, trainable = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            long n = parameter.numel();
            total += n;
            if (IsAdapter(name)) adapter += n;
            if (name.StartsWith(headPrefix, StringComparison.Ordinal)) head += n;
            if (parameter.requires_grad) trainable += n;
        }
        return new ParameterCounts(total, adapter, head, trainable);
    }

    public static IEnumerable<LoraLinear> Adapters(nn.Module model) => model.modules().OfType<LoraLinear>();

    /// <summary>Fused projections with per-slice adapters (GPT-2's c_attn).</summary>
    public static IEnumerable<FusedLoraLinear> FusedAdapters(nn.Module model) => model.modules().OfType<FusedLoraLinear>();

    public static void Merge(nn.Module model)
    {
        foreach (var layer in Adapters(model)) layer.Merge();
        foreach (var layer in FusedAdapters(model)) layer.Merge();
    }

    public static void Unmerge(nn.Module model)
    {
        foreach (var layer in Adapters(model)) layer.Unmerge();
        foreach (var layer in FusedAdapters(model)) layer.Unmerge();
    }
}
