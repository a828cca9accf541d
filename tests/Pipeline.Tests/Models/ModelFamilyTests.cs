using System.Text.Json.Nodes;
using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Models.Bert;
using Pipeline.Weights;

namespace Pipeline.Tests.Models;

/// <summary>config.json's model_type picks the family; everything family-specific comes from it.</summary>
public class ModelFamilyTests
{
    [Fact]
    public void An_unknown_model_type_is_an_error_listing_the_supported_families()
    {
        var json = JsonNode.Parse("""{"model_type": "mistral", "num_hidden_layers": 2}""")!.AsObject();
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(json, "tiny/config.json"));
        Assert.Equal("tiny/config.json: model_type 'mistral' is not supported; supported: bert, roberta, xlm-roberta (BERT family); gpt2 (GPT-2 family); llama (LLaMA family)", e.Message);
    }

    [Fact]
    public void Each_model_type_of_the_BERT_family_reads_to_its_variant_and_back()
    {
        foreach (var (type, variant) in new[] { ("bert", BertVariant.Bert), ("roberta", BertVariant.Roberta), ("xlm-roberta", BertVariant.Roberta) })
        {
            var json = JsonNode.Parse($$"""{"model_type": "{{type}}", "vocab_size": 50, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16}""")!.AsObject();
            var config = Assert.IsType<BertConfig>(HfConfig.Parse(json, "config.json"));
            Assert.Equal(variant, config.Variant);
            Assert.Same(BertFamily.Instance, config.Family);
            Assert.Equal(config, HfConfig.Parse(JsonNode.Parse(HfConfig.ToJson(config))!.AsObject(), "written"));
        }
    }

    [Fact]
    public void The_family_builds_the_backbone_and_names_it_as_HF_task_models_do()
    {
        Assert.Equal("bert", BertFamily.Instance.BackboneName(BertConfig.MiniLmL6));
        Assert.Equal("roberta", BertFamily.Instance.BackboneName(BertConfig.RobertaLarge));
        var layout = BertConfig.MiniLmL6.Family.Layout(BertConfig.MiniLmL6);
        Assert.Equal("pooler.", layout.OptionalPrefix);
        Assert.Equal(layout.Shapes(withOptional: false).Count + 2, layout.Shapes().Count);
        using var backbone = BertFamily.Instance.CreateBackbone(BertConfig.MiniLmL6, Pipeline.Lora.LinearFactory.Plain);
        Assert.Equal(layout.Shapes().Keys.Order(), backbone.named_parameters().Select(p => p.name).Order());
    }

    [Fact]
    public void The_backbone_says_which_attention_path_each_layer_takes()
    {
        using var backbone = BertFamily.Instance.CreateBackbone(TinyModels.Config, Pipeline.Lora.LinearFactory.Plain);
        AttentionPath[] Paths(DropoutPlan plan) => Enumerable.Range(0, backbone.LayerCount).Select(l => backbone.AttentionPathOf(plan, l)).ToArray();

        Assert.Equal([AttentionPath.Fused, AttentionPath.Fused], Paths(Presets.HiddenKey()));          // column DropKey: in the additive mask
        Assert.Equal([AttentionPath.Explicit, AttentionPath.Explicit], Paths(Presets.DropAttention())); // needs the weights
        Assert.Equal([AttentionPath.Explicit, AttentionPath.Explicit], Paths(Presets.HiddenCut()));     // attention-guided span start
        Assert.Equal([AttentionPath.Fused, AttentionPath.Fused], Paths(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Head, 0.2))));
        Assert.Equal([AttentionPath.Fused, AttentionPath.Explicit],
            Paths(new DropoutPlan(new DropSpec(DropPosition.AttentionWeights, DropPattern.Element, 0.1, Layers: LayerSelection.Of(1)))));
    }
}
