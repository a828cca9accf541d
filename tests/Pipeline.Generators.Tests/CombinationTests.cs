using System.Reflection;
using Microsoft.CodeAnalysis;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Vocabulary;

namespace Pipeline.Generators.Tests;

/// <summary>
/// Every position × pattern × span_start (not written, or each name) × normalization (likewise) × compensation
/// kind, enumerated from the runtime's enums: the generator accepts the YAML exactly when the runtime's
/// DropoutPlan.Validate accepts the same plan, and rejects it with the same messages.
/// </summary>
public class CombinationTests
{
    sealed record Case(string File, string Yaml, DropoutPlan Plan);

    static IEnumerable<Case> Cases()
    {
        int i = 0;
        foreach (var position in Enum.GetValues<DropPosition>())
        foreach (var pattern in Enum.GetValues<DropPattern>())
        foreach (var start in NotWrittenOrEach<SpanStart>())
        foreach (var normalization in NotWrittenOrEach<AttentionNormalization>())
        foreach (var kind in YamlVocabulary.CompensationKinds)
        {
            var yaml = $"name: c{i}\ndropout:\n  - position: {YamlVocabulary.NameOf(position)}\n    pattern: {YamlVocabulary.NameOf(pattern)}\n    rate: 0.1\n";
            if (start is { } s) yaml += $"    span_start: {YamlVocabulary.NameOf(s)}\n";
            if (normalization is { } n) yaml += $"    normalization: {YamlVocabulary.NameOf(n)}\n";
            yaml += $"compensation: {{kind: {kind}}}\n";
            var plan = new DropoutPlan(new DropSpec(position, pattern, 0.1, SpanStart: start, Normalization: normalization)).With(Measure(kind));
            yield return new Case($"c{i++}.yaml", yaml, plan);
        }
    }

    static IEnumerable<T?> NotWrittenOrEach<T>() where T : struct, Enum => new T?[] { null }.Concat(Enum.GetValues<T>().Select(v => (T?)v));

    /// <summary>The compensation record with this [YamlName], weight 1 (the YAML's default) and its other defaults.</summary>
    static CompensationMeasure Measure(string kind)
    {
        var type = typeof(CompensationMeasure).Assembly.GetTypes()
            .Single(t => t.IsSubclassOf(typeof(CompensationMeasure)) && t.GetCustomAttribute<YamlNameAttribute>()?.Name == kind);
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First(c => c.GetParameters().All(p => p.ParameterType != type));
        return (CompensationMeasure)constructor.Invoke(constructor.GetParameters().Select(p => p.HasDefaultValue ? p.DefaultValue : 1.0).ToArray());
    }

    [Fact]
    public void The_generator_accepts_a_dropout_entry_exactly_when_the_runtime_does_with_the_same_messages()
    {
        var cases = Cases().ToList();
        Assert.Equal(Enum.GetValues<DropPosition>().Length * Enum.GetValues<DropPattern>().Length * (Enum.GetValues<SpanStart>().Length + 1)
            * (Enum.GetValues<AttentionNormalization>().Length + 1) * YamlVocabulary.CompensationKinds.Count, cases.Count);

        var (result, _) = GeneratorHarness.Run(cases.Select(c => GeneratorHarness.Files((c.File, c.Yaml)).Single()));
        Assert.Null(result.Exception);
        var byFile = result.Diagnostics.ToLookup(d => Path.GetFileName(d.Location.GetLineSpan().Path));

        int accepted = 0;
        foreach (var c in cases)
        {
            var generator = byFile[c.File].Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            var runtime = c.Plan.Validate().Order().ToList();
            Assert.True(generator.SequenceEqual(runtime), $"{c.Yaml}\ngenerator: {string.Join(" | ", generator)}\nruntime:   {string.Join(" | ", runtime)}");
            Assert.All(byFile[c.File], d => Assert.Equal(DiagnosticDescriptors.Conflict.Id, d.Id));
            if (runtime.Count == 0) accepted++;
        }
        // Both outcomes occur, so the comparison above compares something.
        Assert.InRange(accepted, 1, cases.Count - 1);
        Assert.Equal(accepted, result.GeneratedSources.Count(s => s.HintName != Emit.RegistryEmitter.HintName));
    }
}
