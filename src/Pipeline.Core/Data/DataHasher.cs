using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Data;

/// <summary>
/// The canonical form behind <see cref="DatasetSplits.DataHash"/>. Each example is one line, the JSON array
/// <c>["train","text","pair or null","label"]</c>; JSON string escaping keeps any text (tabs, newlines, quotes)
/// unambiguous. The label is written with "R" (round-trip) formatting so 1 and 1.0000001 differ.
/// The label names come first: reordering them changes what every class index means.
/// </summary>
public static class DataHasher
{
    // Fixed here rather than left to the default so the canonical form (and every recorded hash) never drifts.
    static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Compute(IReadOnlyList<string> labels, IReadOnlyList<Example> train, IReadOnlyList<Example> dev, IReadOnlyList<Example> test)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(sha, JsonSerializer.Serialize(new { labels }, Canonical));
        foreach (var (name, examples) in new[] { ("train", train), ("dev", dev), ("test", test) })
        {
            foreach (var e in examples)
            {
                Append(sha, JsonSerializer.Serialize(new[] { name, e.Text, e.TextPair, e.Target.Canonical }, Canonical));
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static void Append(IncrementalHash sha, string line) => sha.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
}
