using System.Text.Json.Nodes;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Vocabulary;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>
/// LoRA forward and backward against the hand-written PyTorch references, for every decoder family: the fixtures' lora.json
/// (scripts/reference/gpt2.py, llama.py) holds adapters with non-zero B, the logits they give on the reference batch and the
/// float64 gradients of mean(logits²) at the real tokens with respect to every A and B. GPT-2's query and value adapt slices
/// of the fused c_attn; LLaMA's seven targets include the SwiGLU gate (ffn_gate).
/// </summary>
public class LoraGradientParityTests
{
    [Theory]
    [InlineData("gpt2-tiny", 20)]
    [InlineData("llama-tiny", 28)]
    public void Adapted_logits_and_every_adapter_gradient_equal_the_PyTorch_reference(string fixture, int adapterCount)
    {
        string directory = Path.Combine(TestPaths.Metadata("RepoRoot"), "tests", "Pipeline.Tests", "Fixtures", fixture);
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "lora.json")))!;
        var targets = reference["targets"]!.AsArray().Select(t => YamlVocabulary.Parse<LoraTarget>(t!.GetValue<string>())
            ?? throw new InvalidDataException($"unknown target {t}")).ToList();
        var lora = new LoraOptions(Rank: reference["rank"]!.GetValue<int>(), Alpha: reference["alpha"]!.GetValue<double>(), Targets: targets);

        using var pretrained = ModelCatalog.Load(directory);
        using var backbone = pretrained.CreateBackbone(lora);
        backbone.eval();
        LoraParameters.FreezeAllButAdapters(backbone);
        var adapters = backbone.named_parameters().Where(p => LoraParameters.IsAdapter(p.name)).ToDictionary(p => p.name, p => p.parameter);
        var given = reference["adapters"]!.AsObject();
        Assert.Equal(adapterCount, adapters.Count);
        Assert.Equal(given.Select(p => p.Key).Order(), adapters.Keys.Order());
        using (no_grad())
            foreach (var (name, value) in given)
                adapters[name].copy_(TinyLlama.Floats(value!));

        using var scope = NewDisposeScope();
        var mask = TinyLlama.Matrix(reference["attention_mask"]!);
        var logits = ((ICausalLanguageModel)backbone).LmLogits(backbone.Forward(new EncoderBatch(TinyLlama.Matrix(reference["input_ids"]!), mask)));
        double worstLogit = TinyLlama.WorstDifference(logits.detach(), mask, reference["logits"]!.AsArray());
        Assert.True(worstLogit < 1e-5, $"{fixture}: largest adapted-logit difference {worstLogit:g3}");

        var loss = logits.masked_select(mask.to(ScalarType.Bool).unsqueeze(-1)).pow(2).mean();
        Assert.Equal(reference["loss"]!.GetValue<double>(), loss.item<float>(), 1e-4);
        loss.backward();
        double worstGradient = 0, largest = 0;
        foreach (var (name, value) in reference["gradients"]!.AsObject())
        {
            var expected = TinyLlama.Floats(value!);
            var grad = adapters[name].grad ?? throw new Xunit.Sdk.XunitException($"{name} received no gradient");
            worstGradient = Math.Max(worstGradient, (grad - expected).abs().max().item<float>());
            largest = Math.Max(largest, expected.abs().max().item<float>());
        }
        Assert.True(largest > 1e-2, "the reference gradients are not trivially small");
        Assert.True(worstGradient < 1e-5, $"{fixture}: largest gradient difference {worstGradient:g3} (largest gradient {largest:g3})");
        Console.WriteLine($"{fixture}: adapted logits within {worstLogit:g3}, gradients within {worstGradient:g3} (largest {largest:g3})");
    }
}
