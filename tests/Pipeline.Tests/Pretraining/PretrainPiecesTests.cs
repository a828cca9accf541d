using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Pretraining;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Pretraining;

/// <summary>The pieces of <c>pipeline pretrain</c> on small inputs the tests write: tag stripping, blocks, the baseline, the split, the initialisation.</summary>
public class PretrainPiecesTests
{
    [Fact]
    public void Brown_tags_are_stripped_and_sentences_rebuilt_with_punctuation_and_quotes_in_place()
    {
        string tagged = "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, (/( i.e./rb 1/2/cd )/) ./.\n" +
                        "\tIt/pps didn't/dod* ;/. why/wrb ?/.\n\n\n\tNew/jj-tl paragraph/nn --/-- here/rb !/.\n";
        Assert.Equal("The jury said \"no evidence\", (i.e. 1/2). It didn't; why?\n\nNew paragraph -- here!", BrownCorpus.Detag(tagged));
    }

    [Fact]
    public void Documents_are_joined_by_end_of_text_and_cut_into_full_blocks()
    {
        var blocks = TokenBlocks.FromDocuments([[1, 2, 3], [4, 5], [6, 7, 8, 9]], eosId: 0, blockSize: 4);
        // Stream: 1 2 3 0 | 4 5 0 6 | 7 8 9 0 → three blocks, nothing dropped.
        Assert.Equal(3, blocks.Count);
        Assert.Equal([1, 2, 3, 0], blocks[0].ToArray());
        Assert.Equal([4, 5, 0, 6], blocks[1].ToArray());
        Assert.Equal([2, 3, 0, 5, 0, 6, 8, 9, 0], blocks.Targets());
        using var batch = blocks.Batch([2, 0]);
        Assert.Equal([2L, 4L], batch.shape);
        Assert.Equal(ScalarType.Int64, batch.dtype);
        Assert.Equal([7L, 8, 9, 0, 1, 2, 3, 0], batch.data<long>().ToArray());

        var tail = TokenBlocks.FromDocuments([[1, 2, 3, 4, 5]], eosId: 0, blockSize: 4);
        Assert.Equal(1, tail.Count);   // 1 2 3 4 | 5 0 dropped
        var spread = blocks.Spread(2);   // blocks 0 and ⌊1·3/2⌋ = 1
        Assert.Equal([1, 2, 3, 0, 4, 5, 0, 6], spread.AllTokens());
        Assert.Same(blocks, blocks.Spread(null));
        Assert.Same(blocks, blocks.Spread(3));
        Assert.Equal("a block needs at least 2 tokens (one to read, one to predict), got 1",
            Assert.Throws<ArgumentException>(() => TokenBlocks.FromDocuments([[1]], 0, 1)).Message);
    }

    [Fact]
    public void The_unigram_model_is_add_one_smoothed_over_the_whole_vocabulary()
    {
        // Counts over a vocabulary of 4: token 0 ×3, token 1 ×1, tokens 2 and 3 never; N = 4, V = 4.
        var unigram = UnigramModel.Fit([0, 0, 0, 1], vocabSize: 4);
        Assert.Equal(Math.Log(4.0 / 8), unigram.LogProbability(0), 12);
        Assert.Equal(Math.Log(1.0 / 8), unigram.LogProbability(3), 12);
        // Perplexity of [0, 3] = exp(−(ln ½ + ln ⅛)/2) = √16 = 4.
        Assert.Equal(4.0, unigram.Perplexity([0, 3]), 12);
        // Unsmoothed, an unseen token would make it infinite; uniform over V is the ceiling without data.
        Assert.Equal(4.0, UnigramModel.Fit([], 4).Perplexity([0, 1, 2, 3]), 12);
        Assert.Equal("token id 4 lies outside the vocabulary of 4", Assert.Throws<ArgumentException>(() => unigram.Perplexity([4])).Message);
    }

    [Fact]
    public void The_held_out_split_depends_on_each_documents_key_alone()
    {
        var documents = Enumerable.Range(0, 400).Select(i => new CorpusDocument(i % 2 == 0 ? "a" : "b", $"doc{i}", $"text {i}")).ToList();
        var split = PretrainingCorpus.Split(documents);
        Assert.InRange(split.HeldOut.Count, 8, 40);   // ≈ 5 % of 400
        Assert.Equal(split, PretrainingCorpus.Split(documents) with { Train = split.Train, HeldOut = split.HeldOut });
        Assert.Equal(split.DataHash, PretrainingCorpus.Split(documents).DataHash);
        // Dropping half of the documents moves none of the others.
        var half = PretrainingCorpus.Split(documents.Where((_, i) => i % 2 == 0).ToList());
        Assert.Equal(split.HeldOut.Where(d => d.Source == "a"), half.HeldOut);
        Assert.NotEqual(split.DataHash, half.DataHash);
        // A changed text changes the hash.
        var edited = documents.Select(d => d.Key == "doc7" ? d with { Text = "other" } : d).ToList();
        Assert.NotEqual(split.DataHash, PretrainingCorpus.Split(edited).DataHash);
        Assert.Equal("two documents share the key 'a/doc0'",
            Assert.Throws<InvalidDataException>(() => PretrainingCorpus.Split([.. documents, documents[0]])).Message);
    }

    [Fact]
    public void A_fresh_decoder_is_initialised_as_hf_does_with_residual_projections_scaled_by_one_over_root_two_n_layer()
    {
        var config = new Gpt2Config(VocabSize: 5000, NPositions: 64, NEmbd: 128, NLayer: 8, NHead: 4, EosTokenId: 0);
        manual_seed(3);
        using var model = new Gpt2Model(config);
        Gpt2Initialization.Apply(model);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.Equal(0.02, p["wte.weight"].std().item<float>(), 3);
        Assert.Equal(0.02, p["h.3.mlp.c_fc.weight"].std().item<float>(), 3);
        Assert.Equal(0.02 / 4, p["h.3.mlp.c_proj.weight"].std().item<float>(), 3);   // √(2·8) = 4
        Assert.Equal(0.02 / 4, p["h.0.attn.c_proj.weight"].std().item<float>(), 3);
        Assert.Equal(0.02, p["h.0.attn.c_attn.weight"].std().item<float>(), 3);
        Assert.True(p["h.5.ln_2.weight"].eq(1).all().item<bool>());
        Assert.True(p["ln_f.bias"].eq(0).all().item<bool>());
        Assert.True(p["h.2.attn.c_attn.bias"].eq(0).all().item<bool>());
    }

    [Fact]
    public void The_configurations_write_the_decoders_the_model_catalogue_knows_by_name()
    {
        Assert.Equal(ModelCatalog.PretrainedGpt2CpuName, PretrainConfig.Cpu.DefaultModelName);
        Assert.Equal(ModelCatalog.PretrainedGpt2CpuBpe8kName, PretrainConfig.CpuBpe8k.DefaultModelName);
        Assert.Equal(ModelCatalog.PretrainedGpt2CpuPkmnName, PretrainConfig.CpuPkmn.DefaultModelName);
        Assert.Equal(ModelCatalog.PretrainedGpt2GpuName, PretrainConfig.Gpu.DefaultModelName);
        Assert.All(PretrainConfig.All, c => Assert.Empty(c.Validate()));
        Assert.Equal(PretrainConfig.All.Select(c => c.DefaultModelName), ModelCatalog.KnownNames.Where(n => n.StartsWith("pipeline-gpt2-")));
    }

    [Fact]
    public void A_cut_vocabulary_sizes_the_model_and_moves_end_of_text_to_its_last_id()
    {
        Assert.Equal((50_257, 50_256), (PretrainConfig.Cpu.Model.VocabSize, PretrainConfig.Cpu.Model.EosTokenId));
        Assert.Equal(PretrainConfig.Cpu.Model with { VocabSize = 8_257, BosTokenId = 8_256, EosTokenId = 8_256 }, PretrainConfig.CpuBpe8k.Model);
        Assert.Contains((PretrainConfig.Cpu with { Merges = 0 }).Validate(), e => e.Contains("between 1 and 50,000, got 0"));
        Assert.Contains((PretrainConfig.Cpu with { Merges = 50_001 }).Validate(), e => e.Contains("got 50001"));
    }

    [Fact]
    public void The_pkmn_configuration_is_cpu_bpe8k_with_a_known_domain_text_and_a_bad_domain_is_refused()
    {
        Assert.Equal(PretrainConfig.CpuBpe8k.Model, PretrainConfig.CpuPkmn.Model);
        Assert.Equal(PretrainConfig.CpuBpe8k with { Name = "cpu-pkmn", Description = PretrainConfig.CpuPkmn.Description, Epochs = 10, Domain = PretrainConfig.CpuPkmn.Domain }, PretrainConfig.CpuPkmn);
        Assert.Equal(new PretrainDomain("pkmn-texts", 10, 20), PretrainConfig.CpuPkmn.Domain);
        // Only the configuration that mixes the Pokémon texts in needs them fetched; `pretrain fetch` (null) fetches all.
        Assert.Equal(["brown", "sotu", "moby-dick", "pkmn-texts"], PretrainingCorpus.SourcesOf(PretrainConfig.CpuPkmn).Select(s => s.Name));
        Assert.Equal(["brown", "sotu", "moby-dick"], PretrainingCorpus.SourcesOf(PretrainConfig.CpuBpe8k).Select(s => s.Name));
        Assert.Equal(PretrainingCorpus.SourcesOf(PretrainConfig.CpuPkmn), PretrainingCorpus.SourcesOf(null));
        Assert.Contains((PretrainConfig.CpuPkmn with { Domain = new("wiki", 1, 20) }).Validate(), e => e == "unknown domain text 'wiki'; choose one of pkmn-texts");
        Assert.Contains((PretrainConfig.CpuPkmn with { Domain = new("pkmn-texts", 0, 20) }).Validate(), e => e.Contains("repeats and texts per document must be positive"));
    }
}
