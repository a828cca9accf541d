using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Pipeline.Generators.Model;

namespace Pipeline.Generators.Parsing;

/// <summary>
/// Pipeline.Core's YAML vocabulary, read from the compilation: the [YamlName]s and rule attributes of the
/// enums, compensation records and preset methods (src/Pipeline.Core/Vocabulary). Symbols stay in here; what
/// leaves is an equatable <see cref="VocabularyModel"/>, so the YAML stage re-runs only when it changes.
/// </summary>
public static class VocabularyReader
{
    const string Attributes = "Pipeline.Vocabulary.";

    public static VocabularyModel Read(Compilation compilation, CancellationToken cancellation)
    {
        INamedTypeSymbol? Type(string name) => compilation.GetTypeByMetadataName(name);
        var types = new[]
        {
            "Pipeline.Dropout.DropPosition", "Pipeline.Dropout.DropPattern", "Pipeline.Dropout.SpanStart", "Pipeline.Dropout.AttentionNormalization",
            "Pipeline.Lora.LoraTarget", "Pipeline.Models.Pooling", "Pipeline.Models.HeadKind", "Pipeline.Models.Precision",
            "Pipeline.Compensation.KlBranches", "Pipeline.Compensation.CompensationMeasure", "Pipeline.Dropout.Presets",
            "Pipeline.Models.ModelCatalog", "Pipeline.Data.BuiltIn.DatasetCatalog", "Pipeline.Data.DataFormats", "Pipeline.Metrics.TaskMetric",
            "Pipeline.Experiments.ExperimentDefinition", "Pipeline.Compensation.DivergenceReduction",
        };
        var found = types.Select(Type).ToArray();
        if (found.Any(t => t is null))
            return Empty(string.Join(", ", types.Where((_, i) => found[i] is null)));
        cancellation.ThrowIfCancellationRequested();
        if (DefaultVariant(found[15]!) is not string defaultVariant)
            return Empty("Pipeline.Experiments.ExperimentDefinition.DefaultVariant");

        var position = found[0]!;
        var pattern = found[1]!;
        var branches = Terms("KL branches", found[8]!, position, pattern);
        var reductions = Terms("reduction", found[16]!, position, pattern);
        return new VocabularyModel(
            Terms("position", position, position, pattern), Terms("pattern", pattern, position, pattern),
            Terms("span start", found[2]!, position, pattern), Terms("normalization", found[3]!, position, pattern),
            Terms("LoRA target", found[4]!, position, pattern), Terms("pooling", found[5]!, position, pattern),
            Terms("head", found[6]!, position, pattern), Terms("precision", found[7]!, position, pattern), branches, reductions,
            Compensations(found[9]!, found[8]!, found[16]!), Presets(found[10]!, position, pattern),
            Catalog(found[11]!), Catalog(found[12]!), Catalog(found[13]!), Catalog(found[14]!), defaultVariant, null);
    }

    static VocabularyModel Empty(string missing)
    {
        var none = new TermSet("", "", EquatableArray<Term>.Empty);
        var nothing = EquatableArray<string>.Empty;
        return new VocabularyModel(none, none, none, none, none, none, none, none, none, none,
            EquatableArray<CompensationKind>.Empty, EquatableArray<PresetTerm>.Empty, nothing, nothing, nothing, nothing, "", missing);
    }

    /// <summary>The [YamlName] members of an enum, in declaration order, with their [AppliesTo], [PerLayer], [Default] and [SweepAxis].</summary>
    static TermSet Terms(string what, INamedTypeSymbol type, INamedTypeSymbol position, INamedTypeSymbol pattern)
    {
        var terms = new List<Term>();
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue))
        {
            if (Name(field) is not string yaml) continue;
            var applies = Attribute(field, "AppliesToAttribute");
            var positions = applies is null ? [] : Members(applies.ConstructorArguments[0], position);
            var patterns = applies?.NamedArguments.FirstOrDefault(a => a.Key == "Patterns").Value is { Kind: TypedConstantKind.Array } p ? Members(p, pattern) : [];
            terms.Add(new Term(yaml, field.Name, positions.ToEquatableArray(), patterns.ToEquatableArray(),
                Attribute(field, "PerLayerAttribute") is not null, Attribute(field, "DefaultAttribute") is not null,
                Attribute(field, "SweepAxisAttribute")?.ConstructorArguments[0].Value as string));
        }
        return new TermSet(what, type.Name, terms.ToEquatableArray());
    }

    /// <summary>ExperimentDefinition.DefaultVariant.</summary>
    static string? DefaultVariant(INamedTypeSymbol definition) =>
        definition.GetMembers("DefaultVariant").OfType<IFieldSymbol>().FirstOrDefault() is { IsConst: true, ConstantValue: string name } ? name : null;

    /// <summary>A catalogue's [CatalogName] string constants, in declaration order.</summary>
    static EquatableArray<string> Catalog(INamedTypeSymbol catalogue) =>
        catalogue.GetMembers().OfType<IFieldSymbol>()
            .Where(f => f.IsConst && f.ConstantValue is string && Attribute(f, "CatalogNameAttribute") is not null)
            .Select(f => (string)f.ConstantValue!).ToEquatableArray();

    /// <summary>The YAML names of the enum members an attribute argument (an array of enum values) lists.</summary>
    static string[] Members(TypedConstant array, INamedTypeSymbol type) =>
        array.Values.Select(v => Member(type, v.Value)).Where(n => n is not null).Select(n => n!).ToArray();

    static string? Member(INamedTypeSymbol type, object? value) =>
        type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, value)) is { } field ? Name(field) : null;

    /// <summary>The records deriving from CompensationMeasure in its namespace, with a [YamlName].</summary>
    static EquatableArray<CompensationKind> Compensations(INamedTypeSymbol measure, INamedTypeSymbol branchesType, INamedTypeSymbol reductionType)
    {
        var kinds = new List<CompensationKind>();
        foreach (var type in measure.ContainingNamespace.GetTypeMembers())
        {
            if (!SymbolEqualityComparer.Default.Equals(type.BaseType, measure) || Name(type) is not string yaml) continue;
            var parameters = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).SelectMany(c => c.Parameters).ToList();
            string? DefaultOf(INamedTypeSymbol enumType) =>
                parameters.FirstOrDefault(p => SymbolEqualityComparer.Default.Equals(p.Type, enumType)) is { HasExplicitDefaultValue: true } parameter
                    ? Member(enumType, parameter.ExplicitDefaultValue) : null;
            kinds.Add(new CompensationKind(yaml, type.Name, parameters.Any(p => p.Name == "Weight"), DefaultOf(branchesType), DefaultOf(reductionType)));
        }
        return kinds.ToEquatableArray();
    }

    /// <summary>The [YamlName] methods of Presets: their YAML parameters, [DropsAt] and [CompensationWeight].</summary>
    static EquatableArray<PresetTerm> Presets(INamedTypeSymbol presets, INamedTypeSymbol position, INamedTypeSymbol pattern)
    {
        var terms = new List<PresetTerm>();
        foreach (var method in presets.GetMembers().OfType<IMethodSymbol>().Where(m => m.IsStatic && m.DeclaredAccessibility == Accessibility.Public))
        {
            if (Name(method) is not string yaml) continue;
            var parameters = method.Parameters.Where(p => Name(p) is not null)
                .Select(p => new PresetParameter(Name(p)!, p.Name, SymbolEqualityComparer.Default.Equals(p.Type, pattern)));
            PresetCompensation? compensation = null;
            foreach (var parameter in method.Parameters)
            {
                if (Attribute(parameter, "CompensationWeightAttribute") is { } weight && weight.ConstructorArguments[0].Value is INamedTypeSymbol kind && Name(kind) is string kindName)
                    compensation = new PresetCompensation(kindName, parameter.Name, parameter.HasExplicitDefaultValue ? System.Convert.ToDouble(parameter.ExplicitDefaultValue, System.Globalization.CultureInfo.InvariantCulture) : 1.0);
            }
            string? dropsAt = Attribute(method, "DropsAtAttribute") is { } at ? Member(position, at.ConstructorArguments[0].Value) : null;
            terms.Add(new PresetTerm(yaml, method.Name, parameters.ToEquatableArray(), dropsAt, compensation));
        }
        return terms.ToEquatableArray();
    }

    static AttributeData? Attribute(ISymbol symbol, string name) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Attributes + name);

    static string? Name(ISymbol symbol) => Attribute(symbol, "YamlNameAttribute")?.ConstructorArguments[0].Value as string;
}
