using System.Reflection;
using Pipeline.Dropout;

namespace Pipeline.Vocabulary;

/// <summary>
/// The presets by YAML name: the [YamlName] methods of <see cref="Presets"/>, read once by reflection. This is
/// how the command line and tests name a plan; the generator reads the same methods from the compilation.
/// </summary>
public static class PresetCatalog
{
    static readonly IReadOnlyList<MethodInfo> methods = typeof(Presets).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.IsDefined(typeof(YamlNameAttribute))).OrderBy(m => m.MetadataToken).ToList();

    /// <summary>The preset names accepted in YAML and on the command line, in declaration order.</summary>
    public static IReadOnlyList<string> Names { get; } = methods.Select(m => m.GetCustomAttribute<YamlNameAttribute>()!.Name).ToList();

    /// <summary>
    /// The preset <paramref name="name"/> with its defaults, or with every rate at <paramref name="rate"/>
    /// (YAML's <c>rate</c>, checked by the same rules as YAML); null for an unknown name.
    /// </summary>
    public static DropoutPlan? Create(string name, double? rate = null)
    {
        var method = methods.FirstOrDefault(m => m.GetCustomAttribute<YamlNameAttribute>()!.Name == name);
        if (method is null) return null;
        var facts = Facts(method);
        string[] written = rate is null ? [] : [PresetFacts.SharedRateKey];
        var problems = DropRules.CheckPreset(facts, written, null, YamlVocabulary.Drops).Select(p => p.Message).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));

        var rates = rate is null ? [] : facts.RatesSetBy(PresetFacts.SharedRateKey);
        var arguments = method.GetParameters()
            .Select(p => rates.Contains(YamlKey(p) ?? "") ? rate!.Value : p.DefaultValue)
            .ToArray();
        return (DropoutPlan)method.Invoke(null, arguments)!;
    }

    /// <summary>What DropRules needs to know about a preset method: its YAML keys and where it drops.</summary>
    internal static PresetFacts Facts(MethodInfo method)
    {
        var parameters = method.GetParameters().Where(p => YamlKey(p) is not null).ToList();
        return new PresetFacts(
            method.GetCustomAttribute<YamlNameAttribute>()!.Name,
            parameters.Where(p => p.ParameterType == typeof(double)).Select(p => YamlKey(p)!).ToList(),
            parameters.FirstOrDefault(p => p.ParameterType == typeof(DropPattern)) is { } pattern ? YamlKey(pattern) : null,
            method.GetCustomAttribute<DropsAtAttribute>() is { } at ? YamlVocabulary.NameOf(at.Position) : null);
    }

    static string? YamlKey(ParameterInfo parameter) => parameter.GetCustomAttribute<YamlNameAttribute>()?.Name;
}
