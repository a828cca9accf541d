using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Experiments;

namespace Pipeline.Generators.Tests;

/// <summary>
/// Runs the experiment generator the way the compiler does (GeneratorDriver, step tracking on) over YAML
/// files given as AdditionalFiles, against the real Pipeline.Core assembly.
/// </summary>
static class GeneratorHarness
{
    /// <summary>Where the in-memory YAML files live (SourceFile is relative to it, as in the CLI).</summary>
    public const string Root = "/repo";

    public static string PathOf(string fileName) => $"{Root}/experiments/{fileName}";

    static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ExperimentDefinition).Assembly.Location),
    ];

    public static CSharpCompilation EmptyCompilation(string assemblyName = "Experiments") =>
        CSharpCompilation.Create(assemblyName, [], References, CompilationOptions);

    /// <summary>A compilation of <paramref name="sources"/> against the BCL only (no Pipeline.Core reference).</summary>
    public static CSharpCompilation CompilationWithoutRuntime(params SyntaxTree[] sources) =>
        CSharpCompilation.Create("Experiments", sources, Basic.Reference.Assemblies.Net100.References.All, CompilationOptions);

    static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> files) =>
        CSharpGeneratorDriver.Create(
            [new ExperimentGenerator().AsSourceGenerator()],
            files,
            ParseOptions,
            new OptionsProvider(new Dictionary<string, string> { ["build_property.PipelineExperimentRoot"] = Root }),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static IEnumerable<AdditionalText> Files(params (string FileName, string Yaml)[] files) =>
        files.Select(f => new YamlFile(PathOf(f.FileName), f.Yaml));

    public static IEnumerable<AdditionalText> RepositoryFiles() =>
        TestPaths.ExperimentFiles().Select(name => new YamlFile(PathOf(name), File.ReadAllText(Path.Combine(TestPaths.ExperimentsDirectory, name))));

    /// <summary>Runs the generator once; returns its result and the compilation with the generated code.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(IEnumerable<AdditionalText> files, Compilation? compilation = null)
    {
        compilation ??= EmptyCompilation();
        var driver = CreateDriver(files).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Compiles, loads into a collectible context and returns ExperimentRegistry.All; fails on any compile error.</summary>
    public static IReadOnlyList<IExperiment> LoadRegistry(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, "the generated code does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("generated-experiments", isCollectible: true);
        var assembly = context.LoadFromStream(stream);
        var registry = assembly.GetType("Pipeline.Experiments.ExperimentRegistry")!;
        return (IReadOnlyList<IExperiment>)registry.GetProperty("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }

    public static string Format(Diagnostic diagnostic, string? text = null)
    {
        var span = diagnostic.Location.GetLineSpan();
        string path = span.Path.StartsWith(Root + "/", StringComparison.Ordinal) ? span.Path[(Root.Length + 1)..] : span.Path;
        string line = $"{path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1}): " +
                      $"{diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        if (text is not null && diagnostic.Location.SourceSpan.End <= text.Length)
            line += "\n    at: " + text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length).Replace("\n", "⏎");
        return line;
    }

    sealed class YamlFile(string path, string text) : AdditionalText
    {
        readonly SourceText source = SourceText.From(text);
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => source;
    }

    sealed class OptionsProvider(Dictionary<string, string> global) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(global);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);
    }

    sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}
