using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Lora;
using Pipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Training;

/// <summary>
/// Every step disposes what it creates: the number of live tensors is the same after many steps as after
/// one. (A tensor that escapes its scope keeps its whole autograd graph — every saved activation — alive.)
/// </summary>
public class TensorLeakTests
{
    public static TheoryData<string> Plans() => ["baseline", "hiddenkey", "hiddenkey_both", "js", "hiddencut_js", "dropattention"];

    static DropoutPlan Plan(string name) => name switch
    {
        "hiddenkey_both" => Presets.HiddenKeyMinus().With(new BidirectionalKl(1, KlBranches.Both)),
        "js" => Presets.HiddenKeyMinus().With(new JsToInference(1)),
        "hiddencut_js" => Presets.HiddenCut().With(new HiddenCutJs(1)),
        _ => Vocabulary.PresetCatalog.Create(name)!,
    };

    static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Theory]
    [MemberData(nameof(Plans))]
    public void Training_steps_leave_no_tensor_behind(string plan)
    {
        var model = TinyModels.Classifier(lora: new LoraOptions(Rank: 2));
        model.FreezeForLora();
        using var optimizer = new FlatAdamW(model.parameters().Where(p => p.requires_grad));
        var batch = TinyModels.Batch();
        var labels = TinyModels.Labels(0, 1, 1, 0);

        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            CompensatedLoss.Compute(model, TinyModels.Task(), batch, labels, Plan(plan)).Total.backward();
            optimizer.Step(1e-3, maxGradNorm: 1.0);
        }

        Step(); // creates the gradients and the optimiser state once
        long after1 = Live;
        for (int i = 0; i < 10; i++) Step();
        Assert.Equal(after1, Live);
    }

    [Fact]
    public void Evaluation_leaves_no_tensor_behind()
    {
        var model = TinyModels.Classifier();
        var split = TinyTask.Split(20, seed: 1);
        Evaluation.Predict(model, TinyTask.Task, split, 8, CPU);
        long after1 = Live;
        for (int i = 0; i < 5; i++) Evaluation.Predict(model, TinyTask.Task, split, 8, CPU);
        Assert.Equal(after1, Live);
    }
}
