using System.Runtime.CompilerServices;
using DiffPlex.Renderer;
using Microsoft.CodeAnalysis;

namespace Pipeline.Generators.Tests;

/// <summary>
/// Snapshot files in Verify.SourceGenerators' layout, next to the tests in Snapshots/:
/// <c>{Class}.{Method}#{HintName}.verified.cs</c> per generated file, <c>{Class}.{Method}.verified.txt</c> for
/// diagnostics. A missing or different baseline fails with a unified diff. Baselines are written only when
/// PIPELINE_ACCEPT_SNAPSHOTS=1 and never under CI=true; otherwise a failing snapshot leaves
/// <c>*.received.*</c> beside the baseline (git-ignored) to inspect.
/// </summary>
static class Snapshot
{
    public const string AcceptVariable = "PIPELINE_ACCEPT_SNAPSHOTS";

    static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    static bool Accepting => !IsCi && Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true";

    /// <summary>Generated files of the run (by default all but the registry), one baseline each.</summary>
    public static void VerifySources(GeneratorRunResult result, string name, Func<string, bool>? include = null, [CallerFilePath] string caller = "")
    {
        include ??= hint => hint != Emit.RegistryEmitter.HintName;
        var failures = new List<string>();
        foreach (var source in result.GeneratedSources.Where(s => include(s.HintName)))
        {
            string hint = source.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source.HintName[..^3] : source.HintName;
            if (Compare(Directory(caller), $"{name}#{hint}.verified.cs", source.SourceText.ToString()) is string failure) failures.Add(failure);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The run's diagnostics, one per line with the YAML text each one points at.</summary>
    public static void VerifyDiagnostics(IEnumerable<Diagnostic> diagnostics, string name, IReadOnlyDictionary<string, string> texts, [CallerFilePath] string caller = "")
    {
        var lines = diagnostics.OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id)
            .Select(d => GeneratorHarness.Format(d, texts.GetValueOrDefault(d.Location.GetLineSpan().Path)));
        string text = string.Join("\n", lines) + "\n";
        if (Compare(Directory(caller), $"{name}.verified.txt", text) is string failure) Assert.Fail(failure);
    }

    /// <summary>Null when <paramref name="actual"/> matches the baseline (or was accepted); else the failure text.</summary>
    public static string? Compare(string directory, string fileName, string actual)
    {
        actual = actual.Replace("\r\n", "\n");
        string verified = Path.Combine(directory, fileName);
        string received = verified.Replace(".verified.", ".received.");
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received) && !IsCi) File.Delete(received);
            return null;
        }
        if (Accepting)
        {
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return null;
        }
        if (!IsCi) File.WriteAllText(received, actual);
        string how = $"(run the tests with {AcceptVariable}=1 to accept; docs/experiments.md \"Snapshot tests\")";
        return expected is null
            ? $"snapshot {fileName}: no baseline yet {how}\n{actual}"
            : $"snapshot {fileName} differs from its baseline {how}:\n" +
              UnidiffRenderer.GenerateUnidiff(expected, actual, "verified/" + fileName, "received/" + fileName, ignoreWhitespace: false, ignoreCase: false, contextLines: 3);
    }

    static string Directory(string callerFile) => Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
}
