using System.Reflection;
using Pipeline.Compensation;
using Pipeline.Dropout;

namespace Pipeline.Vocabulary;

/// <summary>
/// The YAML vocabulary at run time: the [YamlName]s and rule facts declared on the runtime types, read once by
/// reflection. The experiment generator reads the same attributes from the compilation, so both sides speak
/// (and judge) exactly the names declared in one place.
/// </summary>
public static class YamlVocabulary
{
    /// <summary>The YAML name of an enum member.</summary>
    public static string NameOf<T>(T value) where T : struct, Enum =>
        Members<T>.Names.TryGetValue(value, out var name) ? name : throw new ArgumentException($"{typeof(T).Name}.{value} has no [YamlName]");

    /// <summary>Every YAML name of an enum, in declaration order.</summary>
    public static IReadOnlyList<string> NamesOf<T>() where T : struct, Enum => Members<T>.Ordered;

    /// <summary>The member with this YAML name, or null.</summary>
    public static T? Parse<T>(string name) where T : struct, Enum
    {
        foreach (var (value, yaml) in Members<T>.Names)
            if (yaml == name) return value;
        return null;
    }

    /// <summary>The members marked with <typeparamref name="TAttribute"/> ([Default], [PerLayer]), in declaration order.</summary>
    public static IReadOnlyList<T> Marked<T, TAttribute>() where T : struct, Enum where TAttribute : Attribute =>
        Enum.GetValues<T>().Where(v => Field(v).IsDefined(typeof(TAttribute))).ToList();

    /// <summary>The YAML name of a compensation's kind (the [YamlName] on its record).</summary>
    public static string NameOf(CompensationMeasure compensation) => TypeName(compensation.GetType());

    /// <summary>The compensation kinds' YAML names, in declaration order of their records.</summary>
    public static IReadOnlyList<string> CompensationKinds { get; } =
        typeof(CompensationMeasure).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(CompensationMeasure)) && t.GetCustomAttribute<YamlNameAttribute>() is not null)
            .OrderBy(t => t.MetadataToken).Select(TypeName).ToList();

    /// <summary>A catalogue's YAML names: its [CatalogName] constants, in declaration order.</summary>
    public static IReadOnlyList<string> CatalogNames(Type catalogue) =>
        catalogue.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.IsDefined(typeof(CatalogNameAttribute)))
            .OrderBy(f => f.MetadataToken).Select(f => (string)f.GetRawConstantValue()!).ToList();

    static string TypeName(Type type) =>
        type.GetCustomAttribute<YamlNameAttribute>()?.Name ?? throw new ArgumentException($"{type.Name} has no [YamlName]");

    static readonly Lazy<DropFacts> drops = new(() => new DropFacts(
        NamesOf<DropPosition>(),
        Marked<DropPosition, PerLayerAttribute>().Select(p => NameOf(p)),
        Scopes<DropPattern>(), Scopes<SpanStart>(), Scopes<AttentionNormalization>()));

    /// <summary>The drop-spec facts for <see cref="DropRules"/>, read once.</summary>
    internal static DropFacts Drops => drops.Value;

    /// <summary>A spec in YAML names, as DropRules judges it.</summary>
    internal static WrittenSpec Written(DropSpec spec) => new(
        NameOf(spec.Position), NameOf(spec.Pattern), spec.Rate,
        spec.SpanStart is { } start ? NameOf(start) : null,
        spec.Normalization is { } norm ? NameOf(norm) : null,
        spec.Layers == LayerSelection.Default ? null : spec.Layers.ToLayerSet());

    static Dictionary<string, Scope> Scopes<T>() where T : struct, Enum =>
        Enum.GetValues<T>().ToDictionary(v => NameOf(v), v => Field(v).GetCustomAttribute<AppliesToAttribute>() is { } applies
            ? new Scope(applies.Positions.Select(p => NameOf(p)), applies.Patterns.Select(p => NameOf(p)))
            : Scope.Anywhere);

    static FieldInfo Field<T>(T value) where T : struct, Enum => typeof(T).GetField(value.ToString())!;

    /// <summary>Per enum type, built on first use: the name of each member and the names in order.</summary>
    static class Members<T> where T : struct, Enum
    {
        public static readonly IReadOnlyDictionary<T, string> Names = Enum.GetValues<T>()
            .Where(v => Field(v).GetCustomAttribute<YamlNameAttribute>() is not null)
            .ToDictionary(v => v, v => Field(v).GetCustomAttribute<YamlNameAttribute>()!.Name);

        public static readonly IReadOnlyList<string> Ordered = Enum.GetValues<T>().Where(Names.ContainsKey).Select(v => Names[v]).ToList();
    }
}
