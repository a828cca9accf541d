using System.Reflection;

namespace Pipeline.Generators.Tests;

static class TestPaths
{
    /// <summary>A value the test project's build wrote into the assembly (AssemblyMetadata).</summary>
    public static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty");

    public static string RepoRoot => Metadata("RepoRoot");

    public static string ExperimentsDirectory => Path.Combine(RepoRoot, "experiments");

    /// <summary>The experiment files of the repository, by file name.</summary>
    public static IEnumerable<string> ExperimentFiles() =>
        Directory.GetFiles(ExperimentsDirectory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>A fresh empty directory under the system temp folder, removed by Dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pipeline-gen-test-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
