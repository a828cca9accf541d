using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Data;

/// <summary>
/// Deterministic grouped splits. Each group key gets a bucket u = (first 8 bytes of SHA-256(UTF-8(salt + key)),
/// big-endian) / 2⁶⁴ ∈ [0, 1): u &lt; train → train, u &lt; train + dev → dev, else test.
/// Why a hash and not a seeded shuffle: the split of an example depends only on its own key, so adding or
/// removing other examples never moves it, the rule is the same in any language, and examples sharing a key
/// (duplicate sentences, binaries of one source package) always land together — no train/test leakage.
/// Order inside a split is the source order, so a split is a pure function of the input.
/// </summary>
public static class GroupedSplitter
{
    public static (List<GroupedExample> Train, List<GroupedExample> Dev, List<GroupedExample> Test) Split(IEnumerable<GroupedExample> examples, SplitDefinition split)
    {
        split.Validated();
        var train = new List<GroupedExample>();
        var dev = new List<GroupedExample>();
        var test = new List<GroupedExample>();
        foreach (var e in examples)
        {
            double u = Bucket(split.Salt, e.GroupKey);
            var into = u < split.Train ? train : u < split.Train + split.Dev ? dev : test;
            into.Add(e);
        }
        return (train, dev, test);
    }

    /// <summary>The bucket of one group key in [0, 1); also the sampling rank used by <see cref="Subsample"/>.</summary>
    public static double Bucket(string salt, string groupKey)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(salt + groupKey), digest);
        // 2⁻⁶⁴ scaling maps the 64-bit integer onto [0, 1); values just below 2⁶⁴ round to 1.0 in a double,
        // which is still "not below train + dev" and so lands in test, as a value that close to 1 should.
        return BinaryPrimitives.ReadUInt64BigEndian(digest) * Math.ScaleB(1.0, -64);
    }

    /// <summary>
    /// Keeps at most <paramref name="max"/> examples, deterministically: those whose group key ranks lowest by
    /// SHA-256(salt + "sample:" + key), in their original order. A plain "first N" would be wrong for files sorted
    /// by label (MR lists all positives first); the extra "sample:" keeps the rank independent of the split bucket,
    /// otherwise subsampling would keep only the lowest buckets of every split.
    /// </summary>
    public static List<Example> Subsample(IReadOnlyList<GroupedExample> examples, int? max, string salt)
    {
        if (max is null || examples.Count <= max) return examples.Select(e => e.Example).ToList();
        if (max <= 0) throw new ArgumentException($"the example limit must be positive, got {max}");
        var keep = examples
            .Select((e, index) => (index, rank: Bucket(salt + "sample:", e.GroupKey)))
            .OrderBy(x => x.rank).ThenBy(x => x.index)
            .Take(max.Value)
            .Select(x => x.index)
            .Order();
        return keep.Select(i => examples[i].Example).ToList();
    }
}
