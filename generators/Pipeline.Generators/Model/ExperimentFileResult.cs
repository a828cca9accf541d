namespace Pipeline.Generators.Model;

/// <summary>The generator's settings from MSBuild properties (build_property.*).</summary>
/// <param name="RootDirectory">SourceFile paths are made relative to this (PipelineExperimentRoot, else the project directory).</param>
public sealed record GeneratorSettings(string? RootDirectory);

/// <summary>
/// What one YAML file turns into: the experiment to emit (null when the file has errors) and the file's
/// diagnostics. This is the value the incremental pipeline caches per file.
/// </summary>
public sealed record ExperimentFileResult(
    string Path,
    ExperimentIdentity? Identity,
    GeneratedExperiment? Experiment,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>What the registry and the duplicate-name check need to know of a file.</summary>
/// <param name="HasClass">False when the file has errors: its name still counts for duplicates, but the registry leaves it out.</param>
public sealed record ExperimentIdentity(string Name, string ClassName, string Path, string SourceFile, SourceSpan NameSpan, bool HasClass);

/// <summary>The emitter's input for one file: everything the generated class says.</summary>
public sealed record GeneratedExperiment(
    string ClassName, string Name, string Description, string SourceFile, EquatableArray<Variant> Variants);
