using System.Reflection;

namespace Pipeline.Tests;

static class TestPaths
{
    /// <summary>A value the test project's build wrote into the assembly (AssemblyMetadata).</summary>
    public static string Metadata(string key) =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is empty");

    /// <summary>A fresh empty directory under the system temp folder, removed by Dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pipeline-test-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
