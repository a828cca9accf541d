using System.Text.Json.Nodes;
using Pipeline.Interop;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Tasks;
using Pipeline.Tests.Models;
using Pipeline.Tests.Weights;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Interop;

/// <summary>
/// `pipeline export --format peft` then `lora.init_from` / `pipeline eval --adapter`: what PEFT's save_pretrained writes, read
/// back into the same function — identical logits — for BERT (BertForSequenceClassification), RoBERTa, MiniLM-style heads
/// without a transformers class (FEATURE_EXTRACTION + head file) GPT-2 (fused c_attn, CAUSAL_LM with trained embeddings) and LLaMA (seven targets, untied lm_head).
/// </summary>
public class PeftRoundTripTests
{
    static JsonObject ConfigOf(string directory) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(directory, PeftConfig.FileName)))!;

    [Fact]
    public void Bert_with_its_pooler_head_exports_as_BertForSequenceClassification_and_imports_to_identical_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Bert));
        var lora = new LoraOptions(Rank: 4, Alpha: 8, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnOut], RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.FfnOut] = 2 });
        var task = InteropModels.Classes(3);
        using var model = InteropModels.Trained(pretrained, task, HeadKind.Pooler, null, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyEncoders.Batch(TinyEncoders.Bert);
        Assert.True(TinyModels.Same(InteropModels.Logits(model, batch), InteropModels.Logits(imported, batch)));
        Assert.Equal(lora.Targets.Order(), adapter.Options.Targets.Order());
        Assert.Equal((4, 8.0, false), (adapter.Options.Rank, adapter.Options.Alpha, adapter.Options.UseRsLora));
        Assert.Equal(2, adapter.Options.RankFor(LoraTarget.FfnOut));

        var config = ConfigOf(dir.File("peft"));
        Assert.Equal("SEQ_CLS", (string)config["task_type"]!);
        // output.dense alone would also adapt attention.output.dense in PEFT: the suffix goes down to the layer.
        Assert.Equal(["0.output.dense", "1.output.dense", "query", "value"], config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(2, (int)config["rank_pattern"]!["0.output.dense"]!);
        Assert.Equal(["alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode", "init_lora_weights",
            "layer_replication", "layers_pattern", "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout", "megatron_config", "megatron_core",
            "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora"], config.Select(p => p.Key));
        var header = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).ToDictionary(e => e.Name);
        Assert.Equal([4L, 16], header["base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"].Shape);
        Assert.Equal([16L, 4], header["base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight"].Shape);
        Assert.Equal([3L, 16], header["base_model.model.classifier.weight"].Shape);
        Assert.Equal("pt", SafetensorsWriter.ReadMetadata(dir.File("peft/adapter_model.safetensors"))["format"]);
    }

    [Fact]
    public void Roberta_with_its_classification_head_saves_dense_and_out_proj_as_modules_to_save_and_imports_to_identical_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Roberta));
        var lora = new LoraOptions(Rank: 2, Alpha: 16, UseRsLora: true);
        var task = InteropModels.Classes(2);
        using var model = InteropModels.Trained(pretrained, task, null, null, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyEncoders.Batch(TinyEncoders.Roberta);
        Assert.True(TinyModels.Same(InteropModels.Logits(model, batch), InteropModels.Logits(imported, batch)));
        Assert.Equal(HeadKind.Roberta, adapter.Head);
        var keys = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).Select(e => e.Name).ToHashSet();
        Assert.Contains("base_model.model.classifier.dense.weight", keys);
        Assert.Contains("base_model.model.classifier.out_proj.bias", keys);
        Assert.Contains("base_model.model.roberta.encoder.layer.1.attention.self.value.lora_B.weight", keys);
        Assert.True((bool)ConfigOf(dir.File("peft"))["use_rslora"]!);
    }

    [Fact]
    public void A_mean_pooled_head_without_a_transformers_class_exports_the_base_model_adapter_and_a_head_file()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(InteropModels.WriteEncoder(dir.File("base"), TinyEncoders.Bert));
        var lora = new LoraOptions(Rank: 4, Alpha: 8, TrainEmbeddings: true);
        var task = InteropModels.Classes(2);
        using var model = InteropModels.Trained(pretrained, task, HeadKind.Linear, Pooling.Mean, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyEncoders.Batch(TinyEncoders.Bert);
        Assert.True(TinyModels.Same(InteropModels.Logits(model, batch), InteropModels.Logits(imported, batch)));
        Assert.Equal((HeadKind.Linear, Pooling.Mean), (adapter.Head!.Value, adapter.Pooling!.Value));
        Assert.True(adapter.Options.TrainEmbeddings);
        var config = ConfigOf(dir.File("peft"));
        Assert.Equal("FEATURE_EXTRACTION", (string)config["task_type"]!);
        Assert.Equal(["word_embeddings"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));
        var keys = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).Select(e => e.Name).ToHashSet();
        Assert.Contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight", keys);
        Assert.Contains("base_model.model.embeddings.word_embeddings.weight", keys);
        Assert.True(File.Exists(dir.File("peft/head.safetensors")));
    }

    [Fact]
    public void Gpt2_query_value_slices_become_one_c_attn_adapter_PEFT_loads_and_import_gives_identical_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(TinyGpt2.FixtureDirectory);
        // c_attn is unique; c_proj is not (attn.c_proj, mlp.c_proj): its entry keeps the parent.
        // Different ranks per slice: the value block of B is rescaled by σ_v/σ_q, and undone on import.
        var lora = new LoraOptions(Rank: 2, Alpha: 4, Targets: [LoraTarget.Query, LoraTarget.Value, LoraTarget.FfnOut],
            RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.Value] = 4 });
        var task = InteropModels.Classes(2);
        using var model = InteropModels.Trained(pretrained, task, HeadKind.Linear, Pooling.Mean, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyGpt2.Batch();
        var expected = InteropModels.Logits(model, batch);
        Assert.True(InteropModels.MaxDiff(expected, InteropModels.Logits(imported, batch)) <= 1e-6);
        Assert.Equal(4, adapter.Options.RankFor(LoraTarget.Value));
        Assert.Equal(2, adapter.Options.RankFor(LoraTarget.Query));

        var config = ConfigOf(dir.File("peft"));
        Assert.True((bool)config["fan_in_fan_out"]!);
        Assert.Equal(["c_attn", "mlp.c_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(6, (int)config["rank_pattern"]!["c_attn"]!);
        Assert.Equal(12.0, (double)config["alpha_pattern"]!["c_attn"]!);   // σ' = 12/6 = σ_query = 4/2
        var header = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).ToDictionary(e => e.Name);
        long d = pretrained.Config.HiddenSize;
        Assert.Equal([6L, d], header["base_model.model.h.0.attn.c_attn.lora_A.weight"].Shape);
        Assert.Equal([3 * d, 6L], header["base_model.model.h.0.attn.c_attn.lora_B.weight"].Shape);
    }

    [Fact]
    public void Gpt2_causal_lm_with_trained_embeddings_saves_wte_and_the_tied_lm_head_and_imports_to_identical_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(TinyGpt2.FixtureDirectory);
        var lora = new LoraOptions(Rank: 2, Alpha: 4, TrainEmbeddings: true);
        var task = new CausalLmTask();
        using var model = InteropModels.Trained(pretrained, task, null, null, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyGpt2.Batch();
        Assert.True(TinyModels.Same(InteropModels.Logits(model, batch), InteropModels.Logits(imported, batch)));
        var config = ConfigOf(dir.File("peft"));
        Assert.Equal("CAUSAL_LM", (string)config["task_type"]!);
        Assert.Equal(["wte", "lm_head"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(4, (int)config["rank_pattern"]!["c_attn"]!);
        Assert.Equal(8.0, (double)config["alpha_pattern"]!["c_attn"]!);
        var keys = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).Select(e => e.Name).ToHashSet();
        Assert.Contains("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight", keys);
        Assert.Contains("base_model.model.transformer.wte.weight", keys);
        Assert.Contains("base_model.model.lm_head.weight", keys);
    }

    [Fact]
    public void Llama_causal_lm_with_all_seven_targets_and_an_untied_head_exports_for_LlamaForCausalLM_and_imports_to_identical_logits()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = ModelCatalog.Load(TinyLlama.FixtureDirectory);
        var lora = new LoraOptions(Rank: 2, Alpha: 4, Targets: pretrained.Config.Family.LoraTargets, TrainEmbeddings: true,
            RankPerTarget: new Dictionary<LoraTarget, int> { [LoraTarget.FfnGate] = 4 });
        var task = new CausalLmTask();
        using var model = InteropModels.Trained(pretrained, task, null, null, lora);
        using var imported = InteropModels.RoundTrip(dir.File("peft"), model, pretrained, task, lora, out var adapter);
        using var _ = adapter;

        var batch = TinyLlama.Batch();
        Assert.True(TinyModels.Same(InteropModels.Logits(model, batch), InteropModels.Logits(imported, batch)));
        Assert.Equal(lora.Targets.Order(), adapter.Options.Targets.Order());
        Assert.Equal(4, adapter.Options.RankFor(LoraTarget.FfnGate));
        Assert.True(adapter.Options.TrainEmbeddings);

        var config = ConfigOf(dir.File("peft"));
        Assert.Equal("CAUSAL_LM", (string)config["task_type"]!);
        Assert.False((bool)config["fan_in_fan_out"]!);
        Assert.Equal(["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"],
            config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(4, (int)config["rank_pattern"]!["gate_proj"]!);
        Assert.Equal(["embed_tokens", "lm_head"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));
        var header = SafetensorsFile.ReadHeader(dir.File("peft/adapter_model.safetensors")).ToDictionary(e => e.Name);
        long d = pretrained.Config.HiddenSize;
        Assert.Equal([2L, d], header["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
        Assert.Equal([4L, d], header["base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight"].Shape);
        Assert.Contains("base_model.model.model.embed_tokens.weight", header.Keys);
        Assert.Contains("base_model.model.lm_head.weight", header.Keys);
    }

    [Fact]
    public void LoRA_module_paths_of_every_family_name_the_modules_the_factory_builds()
    {
        using var dir = new TestPaths.TempDir();
        foreach (string source in new[] { InteropModels.WriteEncoder(dir.File("bert"), TinyEncoders.Bert), TinyGpt2.FixtureDirectory, TinyLlama.FixtureDirectory })
        {
            using var pretrained = ModelCatalog.Load(source);
            var config = pretrained.Config;
            using var backbone = pretrained.CreateBackbone(new LoraOptions(Targets: config.Family.LoraTargets));
            var names = backbone.named_parameters().Select(p => p.name).ToHashSet();
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
                foreach (var target in config.Family.LoraTargets)
                {
                    string path = config.Family.LoraModulePath(config, target, layer);
                    Assert.Contains(names, n => n.StartsWith(path + ".lora_A.", StringComparison.Ordinal));
                }
        }
    }
}
