using Pipeline.Models;

namespace Pipeline.Tests.Models;

/// <summary>The port is exact: ONNX Runtime on the original graph and our encoder agree on every real token.</summary>
[Collection(MiniLmCollection.Name)]
public class OnnxParityTests(MiniLmFixture miniLm)
{
    [Fact]
    public void MiniLm_matches_onnx_runtime_with_padding_and_pairs()
    {
        using var reference = new OnnxReference(ModelCatalog.MiniLm.ReadOnnx(), ModelCatalog.MiniLm.OnnxSource);

        var report = OnnxParity.Run(miniLm.Model.Name, miniLm.Encoder, miniLm.Model.RequireTokenizer(), reference);

        AssertCoversPaddingAndPairs(report);
        Assert.True(report.Passed(), $"max |diff| {report.MaxAbsDiff:E2}");
    }

    [Fact]
    public void Arctic_xs_matches_onnx_runtime_with_padding_and_pairs()
    {
        using var model = ModelCatalog.Load(ModelCatalog.ArcticXs.Name);
        using var encoder = model.CreateBackbone();
        using var reference = new OnnxReference(ModelCatalog.ArcticXs.ReadOnnx(), ModelCatalog.ArcticXs.OnnxSource);

        var report = OnnxParity.Run(model.Name, encoder, model.RequireTokenizer(), reference);

        AssertCoversPaddingAndPairs(report);
        Assert.True(report.Passed(), $"max |diff| {report.MaxAbsDiff:E2}");
    }

    static void AssertCoversPaddingAndPairs(ParityReport report)
    {
        Assert.All(report.Cases, c => Assert.True(c.PaddedExamples > 0, $"{c.Name} has no padding"));
        Assert.Contains(report.Cases, c => c.Name == "sentence pairs");
        Assert.Contains(report.Cases, c => c.Length >= 256);
    }
}
