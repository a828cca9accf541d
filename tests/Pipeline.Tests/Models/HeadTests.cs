using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Models.Bert;
using Pipeline.Models.Heads;
using Pipeline.Tasks;
using Pipeline.Tests.Weights;
using Pipeline.Weights;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>The heads as HF's task models build them, chosen per family, with HF's state-dict names.</summary>
public class HeadTests
{
    static readonly ClassificationTask ThreeClasses = new(["a", "b", "c"]);

    static PretrainedModel Checkpoint(TestPaths.TempDir dir, BertConfig config, bool withPooler = true)
    {
        using var original = TinyEncoders.Random(config);
        var state = TinyEncoders.StateDict(original).Where(p => withPooler || !p.Key.StartsWith("pooler.")).ToDictionary();
        HfCheckpoint.Save(dir.Path, config, state);
        return ModelCatalog.Load(dir.Path);
    }

    [Fact]
    public void A_RoBERTa_checkpoint_gets_RobertaClassificationHead_named_as_in_HF()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = Checkpoint(dir, TinyEncoders.Roberta);
        Assert.Equal(HeadKind.Roberta, pretrained.DefaultHead);

        using var model = pretrained.CreateTaskModel(ThreeClasses);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("roberta.encoder.layer.0.attention.self.query.weight", names);
        Assert.Equal(["classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias"],
            names.Where(n => n.StartsWith(TaskModel.HeadPrefix)));

        // out_proj(tanh(dense(h[<s>]))) in eval mode, computed here by hand from the named parameters.
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyEncoders.Batch(TinyEncoders.Roberta);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var first = model.Backbone.Forward(batch)[.., 0];
        var expected = nn.functional.linear(nn.functional.linear(first, p["classifier.dense.weight"], p["classifier.dense.bias"]).tanh(),
            p["classifier.out_proj.weight"], p["classifier.out_proj.bias"]);
        TensorAssert.Identical(expected, model.Forward(batch).Logits);
    }

    [Fact]
    public void The_output_position_drops_at_both_dropouts_of_the_RoBERTa_head()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = Checkpoint(dir, TinyEncoders.Roberta);
        using var model = pretrained.CreateTaskModel(ThreeClasses);
        model.train();
        using var scope = NewDisposeScope();
        var batch = TinyEncoders.Batch(TinyEncoders.Roberta);
        var hidden = model.Backbone.Forward(batch);
        var head = model.Head;

        manual_seed(3);
        var dropped = head.Forward(hidden, batch.AttentionMask, new DropSpec(DropPosition.Output, DropPattern.Element, 0.5), model.Backbone).Logits;
        // The same two draws, applied by hand: dropout on h[<s>], dense, tanh, dropout, out_proj.
        manual_seed(3);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var x = nn.functional.dropout(hidden[.., 0], 0.5, training: true);
        x = nn.functional.linear(x, p["classifier.dense.weight"], p["classifier.dense.bias"]).tanh();
        x = nn.functional.dropout(x, 0.5, training: true);
        TensorAssert.Identical(nn.functional.linear(x, p["classifier.out_proj.weight"], p["classifier.out_proj.bias"]), dropped);
    }

    [Fact]
    public void A_BERT_checkpoint_with_a_pooler_gets_BertForSequenceClassification_and_one_without_the_linear_head()
    {
        using var withPooler = new TestPaths.TempDir();
        using var pretrained = Checkpoint(withPooler, TinyEncoders.Bert);
        Assert.Equal(HeadKind.Pooler, pretrained.DefaultHead);
        using var model = pretrained.CreateTaskModel(ThreeClasses);
        Assert.Equal(["classifier.weight", "classifier.bias"], model.named_parameters().Select(p => p.name).Where(n => n.StartsWith("classifier.")));

        // classifier(pooler(h)) = classifier(tanh(dense(h[CLS]))).
        model.eval();
        using var scope = NewDisposeScope();
        var batch = TinyEncoders.Batch(TinyEncoders.Bert);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var pooled = nn.functional.linear(model.Backbone.Forward(batch)[.., 0], p["bert.pooler.dense.weight"], p["bert.pooler.dense.bias"]).tanh();
        TensorAssert.Identical(nn.functional.linear(pooled, p["classifier.weight"], p["classifier.bias"]), model.Forward(batch).Logits);

        using var withoutPooler = new TestPaths.TempDir();
        using var bare = Checkpoint(withoutPooler, TinyEncoders.Bert, withPooler: false);
        Assert.Equal(HeadKind.Linear, bare.DefaultHead);
    }

    [Fact]
    public void Pooling_belongs_to_the_linear_head()
    {
        using var dir = new TestPaths.TempDir();
        using var pretrained = Checkpoint(dir, TinyEncoders.Roberta);
        var e = Assert.Throws<ArgumentException>(() => pretrained.CreateTaskModel(ThreeClasses, HeadKind.Roberta, Pooling.Mean));
        Assert.Contains("pooling applies to head linear", e.Message);
        // A pooling without a head asks for the linear head.
        using var model = pretrained.CreateTaskModel(ThreeClasses, pooling: Pooling.Mean);
        Assert.Equal(Pooling.Mean, Assert.IsType<LinearHead>(model.Head).Pooling);
    }
}
