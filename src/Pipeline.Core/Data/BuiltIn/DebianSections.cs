using System.Text.Encodings.Web;
using System.Text.Json;
using Pipeline.Data.Formats;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// Debian package description → archive section, for a topical 8-class subset. Built from apt's own metadata:
/// the Packages list (Package, Source, Section, Description-md5) joined on Description-md5 with Translation-en
/// (the full English description). The lists change with every point release, so nothing can be pinned: the
/// fetch freezes a snapshot (<c>snapshot.jsonl</c>) into the cache and records its hash and the release it
/// came from in the manifest; runs record the data hash of what they read.
/// </summary>
public sealed class DebianSections : BuiltInDataset
{
    const string Suite = "bookworm";
    const string SnapshotFile = "snapshot.jsonl";

    /// <summary>Topical sections with distinct vocabularies; label order = class index.</summary>
    public static IReadOnlyList<string> Sections { get; } = ["games", "science", "sound", "graphics", "mail", "database", "editors", "math"];

    public static DebianSections Instance { get; } = new()
    {
        Name = DatasetCatalog.DebianSectionsName,
        Description = "Debian package description → section (8 topical sections of bookworm main)",
        Kind = TaskKind.SingleSentence,
        Labels = Sections,
        Source = $"apt metadata of Debian 12 '{Suite}' main: Packages joined with Translation-en on Description-md5, frozen at fetch time",
        License = "package descriptions from the Debian archive, each under its package's license; fetched, never redistributed",
        Version = Suite,
        // Binaries built from one source package share description text: grouping by source keeps them together.
        GroupKey = "source-package",
        ExpectedExamples = null,
        Files = [new(SnapshotFile, null)],
    };

    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One snapshot line.</summary>
    public sealed record Entry(string Package, string Source, string Section, string Text);

    public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder)
    {
        context.Apt.Update();
        string packages = Path.Combine(context.Scratch, "Packages");
        string translations = Path.Combine(context.Scratch, "Translation-en");
        context.Apt.CatFile(context.Apt.FindList($"_dists_{Suite}_main_binary-", "_Packages"), packages);
        context.Apt.CatFile(context.Apt.FindList($"_dists_{Suite}_main_i18n_", "_Translation-en"), translations);

        context.Progress("joining descriptions with sections");
        var entries = Join(packages, translations);
        using (var writer = new StreamWriter(Path.Combine(folder, SnapshotFile)))
        {
            writer.NewLine = "\n";
            foreach (var e in entries)
            {
                writer.WriteLine(JsonSerializer.Serialize(new { package = e.Package, source = e.Source, section = e.Section, text = e.Text }, Json));
            }
        }
        return ReleaseFacts(context.Apt.FindList($"_dists_{Suite}_", "_InRelease"));
    }

    /// <summary>
    /// The snapshot rows, sorted by package name. A package listed twice (two versions in one list) keeps its first
    /// stanza. A package whose description is missing from Translation-en is skipped: there is no text to classify.
    /// </summary>
    public static List<Entry> Join(string packagesFile, string translationFile)
    {
        var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var stanza in Deb822.Read(translationFile))
        {
            if (stanza.TryGetValue("Description-md5", out var md5) && stanza.TryGetValue("Description-en", out var text)) descriptions.TryAdd(md5, text);
        }
        var wanted = Sections.ToHashSet(StringComparer.Ordinal);
        var entries = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var stanza in Deb822.Read(packagesFile))
        {
            if (!stanza.TryGetValue("Section", out var section) || !wanted.Contains(section)) continue;
            string package = stanza["Package"];
            if (entries.ContainsKey(package)) continue;
            // Long descriptions live only in Translation-en (Packages has the short one plus its md5).
            if (!stanza.TryGetValue("Description-md5", out var md5) || !descriptions.TryGetValue(md5, out var description)) continue;
            // "Source: name (version)" when the binary's version differs from the source's; absent when named alike.
            string source = stanza.TryGetValue("Source", out var s) ? s.Split(' ')[0] : package;
            entries[package] = new Entry(package, source, section, Readable(description));
        }
        return [.. entries.Values];
    }

    /// <summary>The deb822 description as plain text: synopsis line, then the long description without its
    /// one-space indent, " ." paragraph separators as blank lines.</summary>
    public static string Readable(string description) =>
        string.Join('\n', description.Split('\n').Select((line, i) =>
            i == 0 ? line.Trim()
            : line.Trim() == "." ? ""
            : (line.StartsWith(' ') ? line[1..] : line).TrimEnd()));

    static Dictionary<string, string> ReleaseFacts(string inRelease)
    {
        var facts = new Dictionary<string, string>();
        // The fields sit at the top of the clear-signed file, before the long checksum lists.
        foreach (var line in File.ReadLines(inRelease).Take(40))
        {
            foreach (var field in new[] { "Origin", "Suite", "Codename", "Version", "Date" })
            {
                if (line.StartsWith(field + ": ", StringComparison.Ordinal)) facts[field.ToLowerInvariant()] = line[(field.Length + 2)..];
            }
        }
        return facts;
    }

    public override List<RawExample> Read(string folder)
    {
        string file = Path.Combine(folder, SnapshotFile);
        return JsonlLoader.Read(file, new DataOptions { Format = DataFormats.Jsonl, Path = file, TextColumn = "text", LabelColumn = "section", GroupColumn = "source" });
    }
}
