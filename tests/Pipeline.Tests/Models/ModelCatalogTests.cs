using Pipeline.Models.Heads;
using Pipeline.Tasks;
using Pipeline.Models.Bert;
using Pipeline.Lora;
using Pipeline.Models;
using Pipeline.Storage;
using Pipeline.Tests.Weights;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

[Collection(MiniLmCollection.Name)]
public class ModelCatalogTests(MiniLmFixture miniLm)
{
    [Fact]
    public void The_default_model_is_embedded_minilm()
    {
        Assert.Equal("all-minilm-l6-v2", miniLm.Model.Name);
        Assert.Equal(ModelOrigin.Embedded, miniLm.Model.Origin);
        Assert.Same(ModelCatalog.MiniLm, ModelCatalog.FindEmbedded("All-MiniLM-L6-v2"));
    }

    [Fact]
    public void An_unknown_name_lists_what_can_be_named()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.Load("no-such-model"));
        Assert.Contains("all-minilm-l6-v2, arctic-embed-xs", e.Message);
        Assert.Contains(ModelCatalog.CacheVariable, e.Message);
    }

    [Fact]
    public void A_lora_classifier_gets_the_pretrained_encoder_and_keeps_its_adapters()
    {
        using var classifier = miniLm.Model.CreateTaskModel(new ClassificationTask(["a", "b"]), lora: new LoraOptions(Rank: 4));
        classifier.eval();
        var parameters = classifier.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        TensorAssert.Identical(miniLm.Model.Weights.Tensors["encoder.layer.2.attention.self.query.weight"],
            parameters["bert.encoder.layer.2.attention.self.query.weight"]);
        Assert.Equal(0, parameters["bert.encoder.layer.2.attention.self.query.lora_B.weight"].abs().sum().item<float>());
        Assert.NotEqual(0, parameters["bert.encoder.layer.2.attention.self.query.lora_A.weight"].abs().sum().item<float>());
        Assert.Equal(Pooling.Mean, Assert.IsType<LinearHead>(classifier.Head).Pooling);

        // B = 0: the adapted encoder is exactly the pretrained one at the start of training.
        using var scope = NewDisposeScope();
        var batch = miniLm.Model.RequireTokenizer().Batch(["LoRA starts at the pretrained model.", "Short."]);
        Assert.True(allclose(miniLm.Encoder.Forward(batch), classifier.Backbone.Forward(batch), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Loading_copies_into_the_existing_parameters()
    {
        using var encoder = new BertModel(BertConfig.MiniLmL6, new LinearFactory(new LoraOptions()));
        var before = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.Handle);

        WeightLoader.Load(encoder, miniLm.Model.Weights);

        Assert.Equal(before, encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.Handle));
        var parameters = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.All(miniLm.Model.Weights.Tensors, w => TensorAssert.Identical(w.Value, parameters[w.Key]));
        // Only the adapters (lora_A and lora_B of query and value in 6 layers) keep their initialisation.
        Assert.Equal(24, parameters.Keys.Count(k => !miniLm.Model.Weights.Tensors.ContainsKey(k)));
        Assert.All(parameters.Keys.Where(k => !miniLm.Model.Weights.Tensors.ContainsKey(k)), k => Assert.True(LoraParameters.IsAdapter(k), k));
    }

    [Fact]
    public void A_model_with_more_layers_than_the_weights_misses_keys_by_name()
    {
        using var encoder = new BertModel(BertConfig.MiniLmL6 with { NumHiddenLayers = 7 });

        var e = Assert.Throws<InvalidDataException>(() => WeightLoader.Load(encoder, miniLm.Model.Weights));
        Assert.Contains("missing 'encoder.layer.6.", e.Message);
    }

    [Fact]
    public void A_model_with_fewer_layers_than_the_weights_finds_unexpected_keys_by_name()
    {
        using var encoder = new BertModel(BertConfig.MiniLmL6 with { NumHiddenLayers = 5 });

        var e = Assert.Throws<InvalidDataException>(() => WeightLoader.Load(encoder, miniLm.Model.Weights));
        Assert.Contains("unexpected 'encoder.layer.5.", e.Message);
    }

    [Fact]
    public void Weights_without_a_pooler_leave_it_initial_and_refuse_the_pooler_head()
    {
        using var original = TinyEncoders.Random(TinyEncoders.Bert);
        using var dir = new TestPaths.TempDir();
        var state = TinyEncoders.StateDict(original).Where(p => !p.Key.StartsWith("pooler.")).ToDictionary();
        HfCheckpoint.Save(dir.Path, TinyEncoders.Bert, state);
        using var model = ModelCatalog.Load(dir.Path);

        using var encoder = model.CreateBackbone();
        var task = new ClassificationTask(["a", "b", "c"]);
        using var classifier = model.CreateTaskModel(task, pooling: Pooling.Cls);

        Assert.False(model.Weights.HasOptionalPart);
        Assert.Equal(Pooling.Cls, model.DefaultPooling);
        Assert.Equal(HeadKind.Linear, model.DefaultHead);
        var e = Assert.Throws<ArgumentException>(() => model.CreateTaskModel(task, HeadKind.Pooler));
        Assert.Contains("no pretrained pooler", e.Message);
    }

    [Fact]
    public void The_listing_has_the_embedded_models_and_the_checkpoints_of_the_cache()
    {
        using var cache = new TestPaths.TempDir();
        using (var original = TinyEncoders.Random(TinyEncoders.Bert))
            HfCheckpoint.Save(Path.Combine(cache.Path, "tiny-bert"), TinyEncoders.Bert, TinyEncoders.StateDict(original), "bert.");
        Directory.CreateDirectory(Path.Combine(cache.Path, "broken"));
        File.WriteAllText(Path.Combine(cache.Path, "broken", HfCheckpoint.ConfigFile), "{");
        File.WriteAllText(Path.Combine(cache.Path, "broken", HfCheckpoint.WeightsFile), "");
        string? saved = Environment.GetEnvironmentVariable(ModelCatalog.CacheVariable);
        Environment.SetEnvironmentVariable(ModelCatalog.CacheVariable, cache.Path);
        try
        {
            var entries = ModelCatalog.List().ToDictionary(e => e.Name);

            Assert.Equal(22_713_216, entries["all-minilm-l6-v2"].Parameters);
            Assert.Equal(22_565_376, entries["arctic-embed-xs"].Parameters);
            Assert.Equal(BertWeightLayout.ParameterCount(TinyEncoders.Bert), entries["tiny-bert"].Parameters);
            Assert.Contains("not valid JSON", entries["broken"].Problem);
            using var byName = ModelCatalog.Load("tiny-bert");
            Assert.Equal(TinyEncoders.Bert, byName.Config);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelCatalog.CacheVariable, saved);
        }
    }

    [Fact]
    public void An_exported_embedded_model_loads_back_as_the_same_model()
    {
        using var dir = new TestPaths.TempDir();
        ModelCatalog.MiniLm.Export(dir.Path);

        using var exported = ModelCatalog.Load(dir.Path);

        Assert.Equal(ModelOrigin.Checkpoint, exported.Origin);
        Assert.Equal(miniLm.Model.Config, exported.Config);
        Assert.Equal(Pooling.Mean, exported.DefaultPooling);
        Assert.Equal(256, exported.MaxSequenceLength);
        foreach (var (name, value) in miniLm.Model.Weights.Tensors)
            TensorAssert.Identical(value, exported.Weights.Tensors[name], name);
        const string text = "Exported models tokenize like the embedded one, café included.";
        Assert.Equal(miniLm.Model.RequireTokenizer().Encode(text).InputIds, exported.RequireTokenizer().Encode(text).InputIds);
    }

    [Fact]
    public void A_bf16_export_is_half_the_size_and_holds_each_weight_rounded_to_bf16()
    {
        using var dir = new TestPaths.TempDir();
        ModelCatalog.MiniLm.Export(dir.Path, bfloat16: true);

        using var exported = ModelCatalog.Load(dir.Path);

        long bytes = new FileInfo(Path.Combine(dir.Path, HfCheckpoint.WeightsFile)).Length;
        Assert.InRange(bytes, 2L * miniLm.Model.Weights.ParameterCount, 2L * miniLm.Model.Weights.ParameterCount + 100_000);
        using var scope = NewDisposeScope();
        foreach (var (name, value) in miniLm.Model.Weights.Tensors)
        {
            Assert.Equal(ScalarType.Float32, exported.Weights.Tensors[name].dtype); // loaded as fp32, like any checkpoint
            TensorAssert.Identical(value.to(ScalarType.BFloat16).to(ScalarType.Float32), exported.Weights.Tensors[name], name);
        }
    }

    [Fact]
    public void The_model_cache_follows_PIPELINE_MODELS_else_the_Pipeline_home()
    {
        string? savedModels = Environment.GetEnvironmentVariable(ModelCatalog.CacheVariable);
        string? savedHome = Environment.GetEnvironmentVariable(PipelineHome.EnvironmentVariable);
        using var dir = new TestPaths.TempDir();
        try
        {
            Environment.SetEnvironmentVariable(PipelineHome.EnvironmentVariable, dir.Path);
            Environment.SetEnvironmentVariable(ModelCatalog.CacheVariable, null);
            Assert.Equal(Path.Combine(dir.Path, "models"), ModelCatalog.CacheDirectory);

            Environment.SetEnvironmentVariable(ModelCatalog.CacheVariable, dir.File("elsewhere"));
            Assert.Equal(dir.File("elsewhere"), ModelCatalog.CacheDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ModelCatalog.CacheVariable, savedModels);
            Environment.SetEnvironmentVariable(PipelineHome.EnvironmentVariable, savedHome);
        }
    }
}
