using System.CommandLine;
using System.Globalization;
using Pipeline.Data;
using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Storage;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline data list</c> and <c>pipeline data fetch &lt;name&gt;</c>: the built-in data sets and the cache.</summary>
static class DataCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the built-in data sets: task, size, labels, and whether they are cached.");
        list.SetAction(_ => List(PipelineHome.FromEnvironment()));

        var name = new Argument<string>("name") { Description = "The data set to fetch (see `pipeline data list`)." };
        var force = new Option<bool>("--force") { Description = "Fetch again even if the data set is cached." };
        var fetch = new Command("fetch", "Fetch a built-in data set at its pinned version into the cache, check its sha256, and summarise it.") { name, force };
        fetch.SetAction(result => Fetch(PipelineHome.FromEnvironment(), result.GetRequiredValue(name), result.GetValue(force)));

        return new Command("data", $"Built-in data sets (cache: ${PipelineHome.EnvironmentVariable}, else $XDG_CACHE_HOME/pipeline, else ~/.cache/pipeline).") { list, fetch };
    }

    static int List(PipelineHome home)
    {
        Console.WriteLine($"cache: {home.DataRoot}");
        Console.WriteLine($"{"name",-16} {"task",-15} {"size",6}  {"cached",-6}  labels");
        foreach (var d in DatasetCatalog.All)
        {
            var manifest = DatasetCache.ReadManifest(home, d);
            int? size = manifest?.Examples ?? d.ExpectedExamples;
            string sizeText = size?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";
            Console.WriteLine($"{d.Name,-16} {d.Kind,-15} {sizeText,6}  {(manifest is null ? "no" : "yes"),-6}  {string.Join(", ", d.Labels)}");
            Console.WriteLine($"{"",16} {d.Description}");
            Console.WriteLine($"{"",16} source: {d.Source}");
            Console.WriteLine($"{"",16} {(manifest is null ? $"fetch: pipeline data fetch {d.Name}" : $"path: {DatasetCache.Folder(home, d)}")}");
        }
        return 0;
    }

    static int Fetch(PipelineHome home, string name, bool force)
    {
        var dataset = DatasetCatalog.Get(name);
        var manifest = DatasetFetcher.Fetch(dataset, home, force, line => Console.WriteLine($"  {line}"));
        foreach (var (file, sha) in manifest.Files) Console.WriteLine($"  sha256 {sha}  {file}");
        foreach (var (key, value) in manifest.Details ?? new Dictionary<string, string>()) Console.WriteLine($"  {key}: {value}");

        var splits = DatasetLoader.LoadBuiltIn(dataset, new DataOptions { Dataset = name }, home);
        Console.WriteLine();
        Console.WriteLine($"{splits.Name}: {splits.Kind}, split {splits.Split}");
        Console.WriteLine($"  data hash {splits.DataHash}");
        foreach (var (split, examples) in new[] { ("train", splits.Train), ("dev", splits.Dev), ("test", splits.Test) })
        {
            var counts = DatasetSplits.LabelCounts(splits.Labels, examples).Select(c => $"{c.Label} {c.Count} ({100.0 * c.Count / examples.Count:F1}%)");
            Console.WriteLine($"  {split,-5} {examples.Count,6:N0}   {string.Join(", ", counts)}");
        }
        return 0;
    }
}
