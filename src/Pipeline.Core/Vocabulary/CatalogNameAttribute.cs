namespace Pipeline.Vocabulary;

/// <summary>
/// A YAML name from one of the runtime's catalogues — embedded models (<c>ModelCatalog</c>), built-in data sets
/// (<c>DatasetCatalog</c>), data file formats (<c>DataFormats</c>), metrics (<c>TaskMetric</c>) — on the
/// <c>public const string</c> that the catalogue builds its entry from. The generator reads the marked constants
/// of those classes from the compilation, so a new data set, format, model or metric is a new YAML name with no
/// generator edit.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class CatalogNameAttribute : Attribute;
