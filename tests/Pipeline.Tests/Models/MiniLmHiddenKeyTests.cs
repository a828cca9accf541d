using Pipeline.Tasks;
using Pipeline.Compensation;
using Pipeline.Dropout;
using Pipeline.Models;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>HiddenKey trains the real pretrained encoder: a few LoRA steps on CPU lower the loss on a tiny batch.</summary>
[Collection(MiniLmCollection.Name)]
public class MiniLmHiddenKeyTests(MiniLmFixture miniLm)
{
    static readonly string[] Sentences =
    [
        "a gorgeous, witty and moving film.", "one of the best movies of the year.",
        "the acting is superb and the story is touching.", "a delightful surprise from start to finish.",
        "a dull, lifeless mess.", "the plot makes no sense and the jokes fall flat.",
        "tedious, overlong and badly acted.", "one of the worst films i have seen.",
    ];

    [Fact]
    public void A_few_HiddenKey_steps_on_real_MiniLM_lower_the_loss_on_a_tiny_batch()
    {
        manual_seed(1);
        var task = new ClassificationTask(["negative", "positive"]);
        using var model = miniLm.Model.CreateTaskModel(task);
        model.FreezeForLora();
        model.train();
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: 5e-3);
        var batch = miniLm.Model.RequireTokenizer().Batch(Sentences);
        using var labels = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0, 0 });
        var plan = Presets.HiddenKey();

        var losses = new List<(double Task, double Consistency)>();
        for (int step = 0; step < 8; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = CompensatedLoss.Compute(model, task, batch, labels, plan);
            loss.Total.backward();
            optimizer.step();
            losses.Add((loss.Task.item<float>(), loss.Consistency!.item<float>()));
        }

        Assert.True(losses[^1].Task < 0.5 * losses[0].Task, $"task loss {string.Join(" → ", losses.Select(l => l.Task.ToString("F3")))}");
        Assert.All(losses, l => Assert.True(l.Consistency > 0, "HiddenKey's KL is part of every step"));
    }
}
