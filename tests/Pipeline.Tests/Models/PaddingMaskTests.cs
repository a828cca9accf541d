using Pipeline.Dropout;
using Pipeline.Models;
using Pipeline.Text;
using static TorchSharp.torch;

namespace Pipeline.Tests.Models;

/// <summary>
/// A batch the host knows to be unpadded runs attention with no mask at all (the fused kernels may then pick
/// flash attention): the same function as with the all-zero padding mask, DropKey included.
/// </summary>
public class PaddingMaskTests
{
    [Theory]
    [InlineData("baseline")]
    [InlineData("hiddenkey")]     // column DropKey on an unpadded batch builds its mask from the keep mask alone
    [InlineData("dropattention")] // the explicit softmax path
    public void An_unpadded_batch_without_a_mask_computes_what_the_masked_pass_computes(string planName)
    {
        var model = TinyModels.Classifier();
        var plan = Vocabulary.PresetCatalog.Create(planName)!;
        var full = TinyModels.Batch(lengths: [7, 7, 7]);
        var unknown = full with { HasPadding = null };
        var unpadded = full with { HasPadding = false };

        manual_seed(11);
        var masked = model.Forward(unknown, plan).Logits;
        manual_seed(11);
        var unmasked = model.Forward(unpadded, plan).Logits;
        Assert.True(masked.allclose(unmasked, rtol: 1e-5, atol: 1e-6), $"{planName}: logits differ without the mask");
    }

    [Fact]
    public void Padding_is_known_from_the_tokens_lengths()
    {
        TokenizedText Text(int length) => new(Enumerable.Range(5, length).ToArray(), new int[length]);
        Assert.True(EncoderTokenizer.Pad([Text(3), Text(5)], padId: 0).HasPadding);
        Assert.False(EncoderTokenizer.Pad([Text(4), Text(4)], padId: 0).HasPadding);
        Assert.False(EncoderTokenizer.Pad([Text(4), Text(4)], padId: 0).To(CPU).HasPadding);
    }

    [Fact]
    public void Dropped_keys_on_an_unpadded_batch_get_the_lowest_value_and_nothing_else()
    {
        var keep = tensor(new[] { true, false, true, false }).view(1, 1, 1, 4);
        var mask = DropMasks.WithDroppedKeys(null, keep, ScalarType.Float32);
        Assert.Equal(new[] { 0f, float.MinValue, 0f, float.MinValue }, mask.data<float>().ToArray());
    }
}
