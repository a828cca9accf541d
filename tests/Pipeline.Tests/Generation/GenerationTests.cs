using System.Text.Json.Nodes;
using Pipeline.Generation;
using Pipeline.Models;
using Pipeline.Models.Gpt2;
using Pipeline.Tests.Models;

namespace Pipeline.Tests.Generation;

/// <summary>
/// Greedy, sampling and beam search on tiny GPT-2s: against the plain-PyTorch reference (Fixtures/gpt2-tiny/
/// generation.json, scripts/reference/gpt2.py), with and without the KV cache, batched with left padding, and the
/// stopping and n-gram rules.
/// </summary>
public class GenerationTests
{
    static readonly IReadOnlyList<int>[] Prompts = [[3, 4, 5, 6, 7], [10, 11], [13], [20, 21, 22]];
    static readonly int Eos = TinyGpt2.Config.EosTokenId;

    static IReadOnlyList<Completion> Run(Gpt2Model model, GenerationOptions options, IReadOnlyList<IReadOnlyList<int>>? prompts = null, int? eos = null) =>
        TextGenerator.Generate(model, prompts ?? Prompts, options, eos ?? Eos, Eos);

    static Gpt2Model Model()
    {
        var model = TinyGpt2.Random(seed: 11);
        model.eval();
        return model;
    }

    static readonly GenerationOptions Beam = new(DecodingStrategy.Beam, MaxNewTokens: 8, NumBeams: 4, LengthPenalty: 0.9, NoRepeatNgramSize: 2);

    [Fact]
    public void Greedy_and_beam_search_equal_the_PyTorch_reference_on_the_fixture()
    {
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyGpt2.FixtureDirectory, "generation.json")))!;
        using var pretrained = ModelCatalog.Load(TinyGpt2.FixtureDirectory);
        var model = pretrained.CreateLanguageModel();
        using var module = (TorchSharp.torch.nn.Module)model;
        var prompts = reference["prompts"]!.AsArray().Select(p => (IReadOnlyList<int>)p!.AsArray().Select(t => t!.GetValue<int>()).ToList()).ToList();
        int maxNew = reference["max_new_tokens"]!.GetValue<int>();
        var cases = reference["cases"]!.AsArray();
        Assert.Equal(3, cases.Count);
        foreach (var c in cases)
        {
            var options = c!["strategy"]!.GetValue<string>() == "greedy"
                ? new GenerationOptions(DecodingStrategy.Greedy, maxNew)
                : new GenerationOptions(DecodingStrategy.Beam, maxNew, NumBeams: c["num_beams"]!.GetValue<int>(),
                    LengthPenalty: c["length_penalty"]!.GetValue<double>(), NoRepeatNgramSize: c["no_repeat_ngram_size"]!.GetValue<int>());
            int eos = c["eos_token_id"]!.GetValue<int>();
            var expected = c["expected"]!.AsArray().Select(row => row!.AsArray().Select(t => t!.GetValue<int>()).ToArray()).ToList();
            // All prompts in one left-padded batch; the reference ran each alone.
            var actual = TextGenerator.Generate(model, prompts, options, eos, padId: 63);
            for (int i = 0; i < prompts.Count; i++)
                Assert.True(expected[i].SequenceEqual(actual[i].Tokens),
                    $"{options.Strategy} (eos {eos}), prompt {i}: [{string.Join(", ", actual[i].Tokens)}], reference [{string.Join(", ", expected[i])}]");
        }
    }

    [Theory]
    [InlineData(DecodingStrategy.Greedy)]
    [InlineData(DecodingStrategy.Beam)]
    [InlineData(DecodingStrategy.Sample)]
    public void The_KV_cache_gives_the_same_tokens_as_recomputing_the_whole_sequence(DecodingStrategy strategy)
    {
        using var model = Model();
        var options = strategy == DecodingStrategy.Beam ? Beam : new GenerationOptions(strategy, MaxNewTokens: 10, Seed: 5);
        var cached = Run(model, options);
        var recomputed = Run(model, options with { UseCache = false });
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(recomputed[i].Tokens, cached[i].Tokens);
        Assert.Contains(cached, c => c.Tokens.Count > 0);
    }

    [Theory]
    [InlineData(DecodingStrategy.Greedy)]
    [InlineData(DecodingStrategy.Beam)]
    public void A_left_padded_batch_gives_each_prompt_the_tokens_it_gets_alone(DecodingStrategy strategy)
    {
        using var model = Model();
        var options = strategy == DecodingStrategy.Beam ? Beam : new GenerationOptions(strategy, MaxNewTokens: 10);
        var batched = Run(model, options);
        for (int i = 0; i < Prompts.Length; i++)
            Assert.Equal(Run(model, options, [Prompts[i]])[0].Tokens, batched[i].Tokens);
    }

    [Fact]
    public void The_end_of_text_token_stops_a_sequence_and_is_left_out()
    {
        using var model = Model();
        var free = Run(model, new GenerationOptions(MaxNewTokens: 10));
        Assert.All(free, c => Assert.Equal(10, c.Tokens.Count));
        Assert.DoesNotContain(free, c => c.EndedWithEos);
        // Name the third token greedy search emits for prompt 0 the end of text: that row stops just before it.
        int stop = free[0].Tokens[2];
        var stopped = Run(model, new GenerationOptions(MaxNewTokens: 10), eos: stop);
        int first = free[0].Tokens.ToList().IndexOf(stop);
        Assert.Equal(free[0].Tokens.Take(first), stopped[0].Tokens);
        Assert.True(stopped[0].EndedWithEos);
        // Beam search with that end of text: a finished hypothesis never holds the end-of-text token.
        var beams = Run(model, Beam, eos: stop);
        Assert.All(beams, c => Assert.DoesNotContain(stop, c.Tokens));
    }

    [Theory]
    [InlineData(DecodingStrategy.Greedy)]
    [InlineData(DecodingStrategy.Beam)]
    public void No_repeat_ngram_size_blocks_every_repeated_ngram(DecodingStrategy strategy)
    {
        using var model = Model();
        var plain = strategy == DecodingStrategy.Beam ? Beam with { NoRepeatNgramSize = 0 } : new GenerationOptions(strategy, MaxNewTokens: 12);
        // Without the rule, this random model repeats itself (otherwise the test could not fail).
        Assert.Contains(Run(model, plain), c => HasRepeatedBigram(c.Tokens));
        var blocked = Run(model, plain with { NoRepeatNgramSize = 2 });
        for (int i = 0; i < Prompts.Length; i++)
            Assert.False(HasRepeatedBigram([.. Prompts[i], .. blocked[i].Tokens]), $"prompt {i}: [{string.Join(", ", blocked[i].Tokens)}]");
    }

    static bool HasRepeatedBigram(IReadOnlyList<int> tokens)
    {
        var seen = new HashSet<(int, int)>();
        for (int i = 0; i + 1 < tokens.Count; i++)
            if (!seen.Add((tokens[i], tokens[i + 1]))) return true;
        return false;
    }

    [Fact]
    public void Sampling_is_reproducible_by_seed_and_top_k_1_is_greedy()
    {
        using var model = Model();
        var sample = new GenerationOptions(DecodingStrategy.Sample, MaxNewTokens: 12, Temperature: 1.5, TopK: 0, Seed: 42);
        var first = Run(model, sample);
        var again = Run(model, sample);
        var other = Run(model, sample with { Seed = 43 });
        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(first[i].Tokens, again[i].Tokens);
        Assert.Contains(Enumerable.Range(0, Prompts.Length), i => !first[i].Tokens.SequenceEqual(other[i].Tokens));

        var greedy = Run(model, new GenerationOptions(MaxNewTokens: 12));
        var topK1 = Run(model, sample with { TopK = 1 });
        var topPTiny = Run(model, sample with { TopP = 1e-6 });
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(greedy[i].Tokens, topK1[i].Tokens);
            Assert.Equal(greedy[i].Tokens, topPTiny[i].Tokens);
        }
    }

    [Fact]
    public void Options_and_prompts_that_cannot_run_are_refused_with_what_to_do()
    {
        using var model = Model();
        Assert.Contains("top-p must be in (0, 1]", Assert.Throws<ArgumentException>(() => Run(model, new GenerationOptions(TopP: 0))).Message);
        Assert.Contains("exceeds the model's 16 positions", Assert.Throws<ArgumentException>(() => Run(model, new GenerationOptions(MaxNewTokens: 13))).Message);
        Assert.Contains("an empty prompt", Assert.Throws<ArgumentException>(() => Run(model, new GenerationOptions(), [[]])).Message);
    }
}
