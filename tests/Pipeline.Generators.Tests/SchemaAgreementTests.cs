using Pipeline.Data.BuiltIn;
using Pipeline.Generators;

namespace Pipeline.Generators.Tests;

/// <summary>
/// The few names the generator keeps as data (Schema: models, datasets, formats, metrics) against the runtime's;
/// the enum, compensation and preset names are read from Pipeline.Core itself (VocabularyTests).
/// </summary>
public class SchemaAgreementTests
{
    [Fact]
    public void Dataset_names_are_the_built_in_catalogue()
    {
        Assert.Equal(DatasetCatalog.All.Select(d => d.Name).Order(), Schema.Dataset.Names.Order());
    }
}
