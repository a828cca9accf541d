using static TorchSharp.torch;

namespace Pipeline.Tests;

static class TensorAssert
{
    /// <summary>Same shape and bit-identical values (torch.equal in PyTorch's sense).</summary>
    public static void Identical(Tensor expected, Tensor actual, string? what = null)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        using var same = expected.eq(actual).all();
        Assert.True(same.item<bool>(), $"{what}: values differ");
    }
}
