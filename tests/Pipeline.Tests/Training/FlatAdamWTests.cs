using Pipeline.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Tests.Training;

/// <summary>
/// <see cref="FlatAdamW"/> is TorchSharp's AdamW + clip_grad_norm_ (decay on matrices only) computed over one
/// buffer: same trajectories, parameters that stay the model's own objects, and a state that resumes.
/// </summary>
public class FlatAdamWTests
{
    // Two small layers: three matrices (decayed) and two biases (not), as LoRA A/B plus a head.
    static Sequential Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3, hasBias: false), nn.Linear(3, 2));
    }

    static Tensor Loss(Sequential model, int step)
    {
        manual_seed(100 + step);
        var x = randn(8, 6) * 5; // large inputs: the gradient norm exceeds the clip threshold
        return model.call(x).pow(2).mean();
    }

    static double[] Values(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().to(ScalarType.Float64).data<double>().ToArray()).ToArray();

    [Theory]
    [InlineData(0.5)]   // clipping active
    [InlineData(0.0)]   // no clipping
    public void Follows_torch_adamw_with_clipping(double maxNorm)
    {
        var reference = Model(1);
        var flatModel = Model(1);
        var referenceParameters = reference.parameters().ToList();
        var decay = new AdamW.ParamGroup(referenceParameters.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = 0.1 });
        var noDecay = new AdamW.ParamGroup(referenceParameters.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 });
        using var torchAdam = optim.AdamW([decay, noDecay], lr: 0.05);
        using var flat = new FlatAdamW(flatModel.parameters(), weightDecay: 0.1);

        for (int step = 0; step < 6; step++)
        {
            torchAdam.zero_grad();
            Loss(reference, step).backward();
            if (maxNorm > 0) nn.utils.clip_grad_norm_(referenceParameters, maxNorm);
            torchAdam.step();

            flat.ZeroGrad();
            Loss(flatModel, step).backward();
            flat.Step(0.05, maxNorm);
        }

        var expected = Values(reference);
        var actual = Values(flatModel);
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(Values(Model(1)).Zip(expected).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the steps must move the weights");
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 5e-6));
        Assert.Equal(6, flat.Steps);
    }

    [Fact]
    public void Parameters_stay_the_models_and_live_in_the_buffer()
    {
        var model = Model(2);
        var before = model.parameters().ToList();
        using var flat = new FlatAdamW(model.parameters());
        Assert.Equal(before.Sum(p => p.numel()), flat.Count);
        Assert.True(model.parameters().Zip(before).All(p => ReferenceEquals(p.First, p.Second)));

        var first = Values(model);
        flat.ZeroGrad();
        Loss(model, 0).backward();
        flat.Step(0.1);
        Assert.NotEqual(first, Values(model)); // the update reached the module's own parameters
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad && p.is_leaf));

        flat.ZeroGrad();
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void A_parameter_without_gradient_moves_only_by_weight_decay()
    {
        var used = nn.Linear(3, 2);
        var unused = new Parameter(ones(2, 2));
        using var flat = new FlatAdamW([.. used.parameters(), unused], weightDecay: 0.5);
        flat.ZeroGrad();
        used.call(randn(4, 3)).sum().backward();
        flat.Step(0.1);
        Assert.Equal(1 - 0.1 * 0.5, unused[0, 0].item<float>(), 6);
    }

    [Fact]
    public void Saved_state_resumes_the_same_trajectory()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var straight = Model(3);
            using var straightAdam = new FlatAdamW(straight.parameters(), weightDecay: 0.1);
            var resumed = Model(3);
            using (var beforeSave = new FlatAdamW(resumed.parameters(), weightDecay: 0.1))
            {
                for (int step = 0; step < 3; step++)
                {
                    foreach (var (model, adam) in new[] { (straight, straightAdam), (resumed, beforeSave) })
                    {
                        adam.ZeroGrad();
                        Loss(model, step).backward();
                        adam.Step(0.05, 1.0);
                    }
                }
                beforeSave.Save(Path.Combine(dir, "optimizer.bin"));
            }
            // A fresh optimiser over the same parameters, as a resumed run builds it, then the saved state.
            using var afterLoad = new FlatAdamW(resumed.parameters(), weightDecay: 0.1);
            afterLoad.Load(Path.Combine(dir, "optimizer.bin"));
            Assert.Equal(3, afterLoad.Steps);
            for (int step = 3; step < 5; step++)
            {
                foreach (var (model, adam) in new[] { (straight, straightAdam), (resumed, afterLoad) })
                {
                    adam.ZeroGrad();
                    Loss(model, step).backward();
                    adam.Step(0.05, 1.0);
                }
            }
            Assert.Equal(Values(straight), Values(resumed));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Foreign_or_mismatched_state_is_refused_with_the_fix()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string path = Path.Combine(dir, "optimizer.bin");
            using (var small = new FlatAdamW(nn.Linear(2, 2).parameters())) small.Save(path);
            using var other = new FlatAdamW(Model(4).parameters());
            var mismatch = Assert.Throws<InvalidDataException>(() => other.Load(path));
            Assert.Contains("this model trains 5", mismatch.Message);
            Assert.Contains("delete the run folder", mismatch.Message);

            File.WriteAllBytes(path, [1, 2, 3]);
            var foreign = Assert.Throws<InvalidDataException>(() => other.Load(path));
            Assert.Contains("not a Pipeline.FlatAdamW", foreign.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Parameters_of_mixed_dtypes_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new FlatAdamW([new Parameter(ones(2, 2)), new Parameter(ones(2, dtype: ScalarType.Float64))]));
        Assert.Contains("one dtype and device", error.Message);
    }
}
