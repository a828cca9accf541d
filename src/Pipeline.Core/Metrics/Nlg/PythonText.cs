namespace Pipeline.Metrics.Nlg;

/// <summary>
/// Python's own idea of whitespace (str.isspace, str.strip(), str.split() without argument), which the reference
/// scorers rely on: .NET's char.IsWhiteSpace plus the separators U+001C–U+001F.
/// </summary>
static class PythonText
{
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>str.strip().</summary>
    public static string Strip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary>str.split(): runs of whitespace separate, no empty words.</summary>
    public static string[] SplitWhitespace(string s)
    {
        var words = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && IsSpace(s[i])) i++;
            int start = i;
            while (i < s.Length && !IsSpace(s[i])) i++;
            if (i > start) words.Add(s[start..i]);
        }
        return [.. words];
    }
}
