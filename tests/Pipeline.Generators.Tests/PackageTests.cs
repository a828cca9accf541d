using System.Diagnostics;

namespace Pipeline.Generators.Tests;

/// <summary>
/// The generator packed as a NuGet analyzer package (dotnet pack) works in a project outside this repository:
/// a bad YAML file fails its build at the YAML line, a good one compiles into a registry the program prints.
/// Runs real dotnet processes (≈ 20–30 s on 2 cores); PIPELINE_SKIP_PACKAGE_TEST=1 skips it locally.
/// </summary>
public class PackageTests
{
    const string Version = "0.1.0-test";

    [Fact]
    public void The_packed_generator_works_in_a_project_outside_the_repository()
    {
        if (Environment.GetEnvironmentVariable("PIPELINE_SKIP_PACKAGE_TEST") is "1" or "true") return;

        using var temp = new TestPaths.TempDir();
        string feed = temp.File("feed"), consumer = temp.File("consumer");
        string generator = Path.Combine(TestPaths.RepoRoot, "generators", "Pipeline.Generators", "Pipeline.Generators.csproj");
        string core = typeof(Experiments.ExperimentDefinition).Assembly.Location;

        var pack = Dotnet(TestPaths.RepoRoot, $"pack \"{generator}\" -c {TestPaths.Metadata("Configuration")} --no-build -o \"{feed}\" -p:Version={Version} -nodeReuse:false");
        Assert.True(pack.ExitCode == 0, pack.Output);
        using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Pipeline.Generators.{Version}.nupkg")))
        {
            var entries = package.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("analyzers/dotnet/cs/Pipeline.Generators.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/YamlDotNet.dll", entries);
            Assert.Contains("build/Pipeline.Generators.props", entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
        }

        Directory.CreateDirectory(Path.Combine(consumer, "experiments"));
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{temp.File("packages")}" /></config>
              <packageSources><clear /><add key="local" value="{feed}" /></packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Pipeline.Generators" Version="{Version}" PrivateAssets="all" />
                <Reference Include="Pipeline.Core" HintPath="{core}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"),
            "foreach (var e in Pipeline.Experiments.ExperimentRegistry.All) Console.WriteLine($\"{e.Name} {e.SourceFile} {e.Variants.Count} {e.Variants[^1].Variant}\");\n");
        File.WriteAllText(Path.Combine(consumer, "experiments", "demo.yaml"),
            "name: consumer-demo\ndropout: {preset: dropkey, pattern: column}\nsweep: {rate: [0.05, 0.1]}\n");
        File.WriteAllText(Path.Combine(consumer, "experiments", "bad.yaml"), "name: bad\nlora:\n  rnak: 8\n");

        var failing = Dotnet(consumer, "build -nodeReuse:false -p:UseSharedCompilation=false");
        Assert.True(failing.ExitCode != 0, failing.Output);
        Assert.Contains("experiments/bad.yaml(3,3): error PL0002: Unknown key 'rnak' in lora; did you mean 'rank'?", failing.Output);

        File.Delete(Path.Combine(consumer, "experiments", "bad.yaml"));
        var run = Dotnet(consumer, "run -nodeReuse:false -p:UseSharedCompilation=false");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("consumer-demo experiments/demo.yaml 3 rate=0.1", run.Output);
    }

    static (int ExitCode, string Output) Dotnet(string directory, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A child build must not inherit the test host's MSBuild state.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"dotnet {arguments} timed out\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, $"dotnet {arguments}\n{stdout.Result}{stderr.Result}");
    }
}
