namespace Pipeline.Data.BuiltIn;

/// <summary>
/// Reads Debian control-file stanzas (deb822: "Field: value" lines, continuation lines start with a space,
/// stanzas separated by blank lines) — the format of apt's Packages and Translation lists.
/// </summary>
public static class Deb822
{
    /// <summary>Each stanza as field → value; a multi-line value keeps its continuation lines, joined by '\n', as written.</summary>
    public static IEnumerable<Dictionary<string, string>> Read(string path)
    {
        var stanza = new Dictionary<string, string>(StringComparer.Ordinal);
        string? last = null;
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                if (stanza.Count > 0) yield return stanza;
                stanza = new Dictionary<string, string>(StringComparer.Ordinal);
                last = null;
            }
            else if (line[0] is ' ' or '\t')
            {
                if (last is null) throw new InvalidDataException($"{path}:{number}: a continuation line before any field");
                stanza[last] += "\n" + line;
            }
            else
            {
                int colon = line.IndexOf(':');
                if (colon <= 0) throw new InvalidDataException($"{path}:{number}: expected 'Field: value'");
                last = line[..colon];
                stanza[last] = line[(colon + 1)..].Trim();
            }
        }
        if (stanza.Count > 0) yield return stanza;
    }
}
