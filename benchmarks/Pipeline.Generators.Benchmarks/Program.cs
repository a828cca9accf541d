using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Pipeline.Generators;

// Generation time for N experiment files (default 50): the repository's experiments/ copied under new names
// until there are N, run through the generator as the compiler runs it (GeneratorDriver), cold (a new driver:
// every file parsed, validated, expanded and emitted) and warm (one file edited: only it re-runs).
int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
const int Repeats = 20;
string root = FindRepoRoot();
var sources = Directory.GetFiles(Path.Combine(root, "experiments"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();
var files = Enumerable.Range(0, count).Select(i =>
{
    string text = sources[i % sources.Length];
    string name = text.Split('\n').First(l => l.StartsWith("name: ", StringComparison.Ordinal))[6..].Trim();
    return (AdditionalText)new YamlFile($"/bench/experiments/f{i}.yaml", text.Replace($"name: {name}", $"name: {name}-{i}"));
}).ToList();
int variants = 0;

// The generator reads the YAML vocabulary from Pipeline.Core, so the compilation references it (and the BCL).
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Append(typeof(Pipeline.Dropout.Presets).Assembly.Location).Select(path => MetadataReference.CreateFromFile(path));
var compilation = CSharpCompilation.Create("Bench", references: references, options: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new ExperimentGenerator()).AddAdditionalTexts([.. files]);

NewDriver().RunGenerators(compilation); // JIT warm-up
var cold = new List<double>();
GeneratorDriver driver = NewDriver();
for (int r = 0; r < Repeats; r++)
{
    var watch = Stopwatch.StartNew();
    driver = NewDriver().RunGenerators(compilation);
    cold.Add(watch.Elapsed.TotalMilliseconds);
}
var result = driver.GetRunResult();
if (result.Diagnostics.Length > 0) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
variants = result.GeneratedTrees.Sum(t => Math.Max(0, t.ToString().Split("Variant(").Length - 2));

var warm = new List<double>();
for (int r = 0; r < Repeats; r++)
{
    var edited = new YamlFile(files[0].Path, files[0].GetText()!.ToString() + $"\n# edit {r}\n");
    driver = driver.ReplaceAdditionalText(files[0], edited);
    files[0] = edited;
    var watch = Stopwatch.StartNew();
    driver = driver.RunGenerators(compilation);
    warm.Add(watch.Elapsed.TotalMilliseconds);
}

Console.WriteLine($"{count} experiment files, {variants} variants, {result.GeneratedTrees.Length} generated files; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"cold (every file):     median {Median(cold):F1} ms, min {cold.Min():F1} ms over {Repeats} runs");
Console.WriteLine($"warm (one file edited): median {Median(warm):F1} ms, min {warm.Min():F1} ms over {Repeats} runs");
return 0;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("run from inside the repository (Pipeline.sln not found above the app)");
}

sealed class YamlFile(string path, string text) : AdditionalText
{
    readonly SourceText source = SourceText.From(text);
    public override string Path => path;
    public override SourceText GetText(CancellationToken cancellationToken = default) => source;
}
