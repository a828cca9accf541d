using System.Globalization;
using System.Text;

namespace Pipeline.Text;

/// <summary>
/// HF BasicTokenizer's accent stripping for uncased vocabularies — NFD, then drop non-spacing marks
/// ("café" → "cafe") — computed without ICU. The app runs with invariant globalization (no ICU on GPU hosts),
/// where <see cref="string.Normalize()"/> leaves text unchanged and Microsoft.ML.Tokenizers' own stripping
/// therefore does nothing: every accented word would become [UNK]. The decompositions come from a table
/// generated from Python's unicodedata (<c>AccentStripping.Table.cs</c>), Hangul syllables by Unicode's
/// algorithm, lone marks by their category.
/// </summary>
static partial class AccentStripping
{
    static readonly Lazy<Dictionary<int, string>> Decompositions = new(Parse);

    public static string Strip(string text)
    {
        if (Ascii.IsValid(text)) return text;
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            int code = rune.Value;
            if (code is >= HangulFirst and <= HangulLast) AppendHangul(result, code);
            else if (Decompositions.Value.TryGetValue(code, out string? stripped)) result.Append(stripped);
            else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) result.Append(rune.ToString());
        }
        return result.ToString();
    }

    const int HangulFirst = 0xAC00, HangulLast = 0xD7A3;

    /// <summary>Unicode 3.12: a syllable decomposes into leading consonant, vowel and (optional) trailing consonant jamo.</summary>
    static void AppendHangul(StringBuilder result, int code)
    {
        const int leadBase = 0x1100, vowelBase = 0x1161, trailBase = 0x11A7, vowels = 21, trails = 28;
        int index = code - HangulFirst;
        result.Append((char)(leadBase + index / (vowels * trails)));
        result.Append((char)(vowelBase + index % (vowels * trails) / trails));
        if (index % trails != 0) result.Append((char)(trailBase + index % trails));
    }

    static Dictionary<int, string> Parse()
    {
        var map = new Dictionary<int, string>();
        foreach (string entry in Table.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = entry.IndexOf('=');
            int code = int.Parse(entry.AsSpan(0, equals), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var value = new StringBuilder();
            foreach (string part in entry[(equals + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries))
                value.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            map[code] = value.ToString();
        }
        return map;
    }
}
