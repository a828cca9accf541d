using System.Diagnostics;
using System.Text;

namespace Pipeline.Tests.Weights;

/// <summary>
/// The untrusted-files fuzz harness: seeded mutations of a valid file (truncation, flipped bytes, huge length fields,
/// runs of 0xFF, deleted or repeated ranges, and the format's own text edits), each loaded under a timeout. A case
/// passes when the load succeeds (a harmless mutation) or throws <see cref="InvalidDataException"/> naming the file;
/// any other exception, a hang, or managed allocations beyond a bound proportional to the file fail the test.
/// </summary>
static class Fuzz
{
    public const int Cases = 1000;
    static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Numbers a length or size field should never be trusted with.</summary>
    static readonly ulong[] Huge = [ulong.MaxValue, 1UL << 63, (1UL << 63) - 1, uint.MaxValue, int.MaxValue, 1UL << 40, 1UL << 31, 0x8000_0000_0000_0001];

    /// <summary>One mutation of <paramref name="valid"/>: a byte-level one, or one of <paramref name="edits"/> (format-aware text edits).</summary>
    public static byte[] Mutate(byte[] valid, Random random, IReadOnlyList<Func<byte[], Random, byte[]>>? edits = null)
    {
        int kinds = 8 + (edits?.Count > 0 ? 4 : 0);
        var bytes = (byte[])valid.Clone();
        switch (random.Next(kinds))
        {
            case 0:   // truncate
                return bytes[..random.Next(bytes.Length)];
            case 1:   // flip a few bits
                for (int i = random.Next(1, 9); i > 0; i--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2:   // random byte values
                for (int i = random.Next(1, 9); i > 0; i--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 3:   // a huge little-endian length field, mostly near the start where headers live
            {
                int at = random.Next(2) == 0 ? random.Next(Math.Min(64, bytes.Length)) : random.Next(bytes.Length);
                var value = BitConverter.GetBytes(Huge[random.Next(Huge.Length)]);
                int width = random.Next(2) == 0 ? 8 : 4;
                for (int i = 0; i < width && at + i < bytes.Length; i++) bytes[at + i] = value[i];
                return bytes;
            }
            case 4:   // a run of 0xFF: varints and protobuf lengths that never end or claim everything
            {
                int at = random.Next(bytes.Length);
                for (int i = 0; i < random.Next(1, 12) && at + i < bytes.Length; i++) bytes[at + i] = 0xFF;
                return bytes;
            }
            case 5:   // delete a range
            {
                int at = random.Next(bytes.Length), length = random.Next(1, Math.Max(2, bytes.Length / 8));
                return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + length)..]];
            }
            case 6:   // repeat a range (duplicated entries, records, names)
            {
                int at = random.Next(bytes.Length), length = random.Next(1, Math.Max(2, bytes.Length / 8));
                var range = bytes[at..Math.Min(bytes.Length, at + length)];
                int to = random.Next(bytes.Length);
                return [.. bytes[..to], .. range, .. bytes[to..]];
            }
            case 7:   // garbage appended, or a non-UTF-8 byte inserted
            {
                int to = random.Next(bytes.Length);
                return random.Next(2) == 0 ? [.. bytes, .. RandomBytes(random, random.Next(1, 64))] : [.. bytes[..to], 0xC3, 0x28, .. bytes[to..]];
            }
            default:
                return edits![random.Next(edits.Count)](bytes, random);
        }
    }

    static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A text edit: replaces a random occurrence of <paramref name="pattern"/> with one of <paramref name="replacements"/>.</summary>
    public static Func<byte[], Random, byte[]> Replace(string pattern, params string[] replacements) => (bytes, random) =>
    {
        string text = Encoding.Latin1.GetString(bytes);
        var at = new List<int>();
        for (int i = text.IndexOf(pattern, StringComparison.Ordinal); i >= 0; i = text.IndexOf(pattern, i + 1, StringComparison.Ordinal)) at.Add(i);
        if (at.Count == 0) return bytes;
        int index = at[random.Next(at.Count)];
        string replacement = replacements[random.Next(replacements.Length)];
        return Encoding.Latin1.GetBytes(text[..index] + replacement + text[(index + pattern.Length)..]);
    };

    /// <summary>Text edits every JSON file gets: huge, negative and fractional numbers, wrong types, deep nesting, duplicate keys.</summary>
    public static IEnumerable<Func<byte[], Random, byte[]>> JsonEdits(params string[] keys)
    {
        yield return Replace(":", ": 99999999999999999999999 ,\"x\":", ": -1, \"y\":", ": 1e308, \"z\":", ": 0.5, \"w\":", ": \"text\", \"v\":", ": null, \"u\":");
        yield return Replace("{", "{\"a\":" + new string('[', 5000) + "1" + new string(']', 5000) + ",", new string('[', 200));
        yield return Replace(",", ",,", ", \"\\ud800\": 1,", "}", "]");
        foreach (string key in keys)
            yield return Replace($"\"{key}\"", $"\"{key}\": 1, \"{key}\"", $"\"{key}x\"", $"\"../{key}\"");
    }

    /// <summary>
    /// Runs <paramref name="cases"/> seeded mutations of <paramref name="valid"/> through <paramref name="load"/>, which gets
    /// the mutated bytes (and writes them where it reads them). Returns how many loaded and how long it took.
    /// </summary>
    public static (int Loaded, TimeSpan Elapsed) Run(string format, byte[] valid, string fileName, Action<byte[]> load,
        IReadOnlyList<Func<byte[], Random, byte[]>>? edits = null, int seed = 16, int cases = Cases, long allocationFactor = 64)
    {
        load(valid);   // the valid file loads
        var random = new Random(seed);
        int loaded = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var mutated = Mutate(valid, random, edits);
            if (mutated.Length == 0) mutated = [0];
            // Allocation bound: proportional to the file, plus the tokenizer/parser set-up a valid file costs anyway.
            long budget = allocationFactor * Math.Max(valid.Length, mutated.Length) + (32L << 20);
            var run = Task.Run(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Exception? error = null;
                try { load(mutated); }
                catch (Exception e) { error = e; }
                return (Error: error, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
            });
            if (!run.Wait(CaseTimeout))
                Assert.Fail($"{format} case {i} (seed {seed}): no answer within {CaseTimeout.TotalSeconds} s (hang?)");
            var (error, allocated) = run.Result;
            if (error is null) loaded++;
            else if (error is not InvalidDataException || !error.Message.Contains(fileName, StringComparison.Ordinal))
                Assert.Fail($"{format} case {i} (seed {seed}): expected InvalidDataException naming {fileName}, got {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
            Assert.True(allocated <= budget, $"{format} case {i} (seed {seed}): allocated {allocated:N0} bytes for a {mutated.Length:N0}-byte file (bound {budget:N0})");
        }
        return (loaded, clock.Elapsed);
    }
}
