using Pipeline.Data.BuiltIn;
using Pipeline.Dropout;
using Pipeline.Generators;

namespace Pipeline.Generators.Tests;

/// <summary>
/// The generator (netstandard2.0, no reference to the runtime) keeps its own lists of names; these tests keep
/// them equal to the runtime's, so a name the build accepts is a name the runtime knows and vice versa.
/// </summary>
public class SchemaAgreementTests
{
    [Fact]
    public void Dataset_names_are_the_built_in_catalogue()
    {
        Assert.Equal(DatasetCatalog.All.Select(d => d.Name).Order(), Schema.Dataset.Names.Order());
    }

    [Fact]
    public void Preset_names_are_the_runtime_presets()
    {
        Assert.Equal(Presets.Names.Order(), Schema.Preset.Names.Order());
    }
}
