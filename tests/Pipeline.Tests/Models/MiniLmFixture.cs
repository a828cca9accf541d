using Pipeline.Models.Bert;
using Pipeline.Engine;
using Pipeline.Models;

namespace Pipeline.Tests.Models;

/// <summary>all-MiniLM-L6-v2 loaded once for every test class of the collection (≈ 2 s a load).</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        TorchRuntime.Initialize();
        Model = ModelCatalog.Load(ModelCatalog.DefaultName);
        Encoder = Model.CreateBackbone();
        Encoder.eval();
    }

    public PretrainedModel Model { get; }
    public Backbone Encoder { get; }

    public void Dispose()
    {
        Encoder.Dispose();
        Model.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class MiniLmCollection : ICollectionFixture<MiniLmFixture>
{
    public const string Name = "MiniLM";
}
