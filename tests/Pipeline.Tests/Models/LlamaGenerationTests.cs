using Pipeline.Generation;
using Pipeline.Models;
using Pipeline.Models.Llama;

namespace Pipeline.Tests.Models;

/// <summary>Greedy and beam search on LLaMA: against the plain-PyTorch reference (Fixtures/llama-tiny/generation.json), with
/// and without the KV cache, and batched with left padding.</summary>
public class LlamaGenerationTests
{
    static readonly IReadOnlyList<int>[] Prompts = [[1, 4, 5, 6, 7], [1, 11], [13], [1, 20, 21, 22]];
    static readonly GenerationOptions Beam = new(DecodingStrategy.Beam, MaxNewTokens: 8, NumBeams: 4, LengthPenalty: 0.9, NoRepeatNgramSize: 2);

    static IReadOnlyList<Completion> Run(LlamaModel model, GenerationOptions options, IReadOnlyList<IReadOnlyList<int>>? prompts = null) =>
        TextGenerator.Generate(model, prompts ?? Prompts, options, TinyLlama.Config.EosTokenId, TinyLlama.Config.EosTokenId);

    static LlamaModel Model()
    {
        var model = TinyLlama.Random(seed: 11);
        model.eval();
        return model;
    }

    [Fact]
    public void Greedy_and_beam_search_equal_the_PyTorch_reference_on_the_fixture()
    {
        var reference = TinyLlama.Fixture("generation.json");
        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
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
            var actual = TextGenerator.Generate(model, prompts, options, eos, padId: pretrained.Config.PadTokenId);
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
}
