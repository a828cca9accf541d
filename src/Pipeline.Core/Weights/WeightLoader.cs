using Pipeline.Lora;
using Pipeline.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Weights;

/// <summary>
/// Copies pretrained weights into an existing module by name, under no_grad, into the parameters the module
/// already has — so LoRA layers keep their adapters and optimizers built later see the same tensors. Keys the
/// checkpoint cannot provide are allowed only for LoRA adapters (<c>lora_A/lora_B</c>), the task head
/// (<c>classifier.*</c>) and the layout's optional part (BERT's pooler) of a checkpoint exported without it; any other missing key, and every
/// checkpoint key the module lacks, is an error naming it.
/// </summary>
public static class WeightLoader
{
    /// <param name="keyPrefix">Where the backbone sits in the module: "" for a <see cref="Backbone"/>, its family's name + "." in a <see cref="TaskModel"/>.</param>
    public static void Load(nn.Module module, PretrainedWeights weights, string keyPrefix = "")
    {
        var targets = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer)))
            .ToList();
        var plan = new List<(Tensor Target, Tensor Source)>();
        var missing = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in targets)
        {
            string? key = name.StartsWith(keyPrefix, StringComparison.Ordinal) ? name[keyPrefix.Length..] : null;
            if (key is not null && weights.Tensors.TryGetValue(key, out var source))
            {
                if (!source.shape.SequenceEqual(target.shape))
                    throw new InvalidDataException($"{weights.Source}: tensor '{key}' is {TensorShape.Format(source.shape)}, " +
                        $"the model's '{name}' is {TensorShape.Format(target.shape)}");
                plan.Add((target, source));
                used.Add(key);
            }
            else if (!MayStayInitial(name, key, weights)) missing.Add(name);
        }
        var unexpected = weights.Tensors.Keys.Where(k => !used.Contains(k)).Select(k => keyPrefix + k).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"{weights.Source} does not fit the model: " + string.Join("; ", new[]
            {
                missing.Count > 0 ? $"missing {Few(missing)}" : null,
                unexpected.Count > 0 ? $"unexpected {Few(unexpected)}" : null,
            }.Where(s => s is not null)));

        using (no_grad())
        using (NewDisposeScope())
        {
            foreach (var (target, source) in plan)
                target.copy_(source);   // in place: the parameter objects (and any adapters beside them) stay
        }
    }

    static bool MayStayInitial(string name, string? key, PretrainedWeights weights) =>
        LoraParameters.IsAdapter(name)
        || name.StartsWith(TaskModel.HeadPrefix, StringComparison.Ordinal)
        || (key is not null && !weights.HasOptionalPart && weights.Layout.OptionalPrefix is { } optional && key.StartsWith(optional, StringComparison.Ordinal));

    static string Few(List<string> keys) =>
        string.Join(", ", keys.Take(5).Select(k => $"'{k}'")) + (keys.Count > 5 ? $" and {keys.Count - 5} more" : "");
}
