using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Pipeline.Generators;

/// <summary>
/// Every diagnostic the experiment generator reports (docs/experiments.md has the table). Messages name
/// the YAML key, what was expected and what to do; the location is the exact span in the YAML file.
/// </summary>
public static class DiagnosticDescriptors
{
    const string Category = "Pipeline.Experiments";

    static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: "docs/experiments.md#diagnostics");

    public static readonly DiagnosticDescriptor YamlSyntax =
        Error("PL0001", "YAML syntax error", "YAML syntax error: {0}");

    public static readonly DiagnosticDescriptor UnknownKey =
        Error("PL0002", "Unknown key", "Unknown key '{0}' in {1}{2}");

    public static readonly DiagnosticDescriptor WrongType =
        Error("PL0003", "Wrong type", "'{0}' must be {1}, not {2}");

    public static readonly DiagnosticDescriptor OutOfRange =
        Error("PL0004", "Value out of range", "'{0}' is {1}; it must be {2}");

    public static readonly DiagnosticDescriptor UnknownName =
        Error("PL0005", "Unknown name", "Unknown {0} '{1}' in '{2}'{3}");

    public static readonly DiagnosticDescriptor MissingKey =
        Error("PL0006", "Missing required key", "{0} needs '{1}': {2}");

    public static readonly DiagnosticDescriptor DuplicateKey =
        Error("PL0007", "Duplicate key", "Key '{0}' appears twice in {1}; keep one");

    public static readonly DiagnosticDescriptor DuplicateExperiment =
        Error("PL0008", "Duplicate experiment name", "Experiment name '{0}' clashes with '{1}' declared in {2}: experiment names, and the class names made from them ({3}), must be unique");

    public static readonly DiagnosticDescriptor Conflict =
        Error("PL0009", "Impossible combination", "{0}");

    public static readonly DiagnosticDescriptor InvalidSweep =
        Error("PL0010", "Invalid sweep", "sweep: {0}");

    public static readonly DiagnosticDescriptor InvalidName =
        Error("PL0011", "Invalid experiment name", "Experiment name '{0}' is not valid: use lower-case letters, digits, '-' and '_', starting with a letter (e.g. 'table1-dropkey-column')");

    public static readonly DiagnosticDescriptor Unsupported =
        Error("PL0012", "Unsupported YAML", "{0}");

    public static readonly DiagnosticDescriptor NoRuntime =
        Error("PL0013", "Pipeline.Core not referenced", "The experiment generator reads the YAML vocabulary (positions, patterns, presets, …) from Pipeline.Core, and this compilation lacks {0}; add a reference to Pipeline.Core");

    public static readonly DiagnosticDescriptor InternalError =
        Error("PL0099", "Experiment generator failed", "The experiment generator failed on this file ({0}: {1}); please report it with the file");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        YamlSyntax, UnknownKey, WrongType, OutOfRange, UnknownName, MissingKey, DuplicateKey,
        DuplicateExperiment, Conflict, InvalidSweep, InvalidName, Unsupported, NoRuntime, InternalError,
    ];

    static readonly Dictionary<string, DiagnosticDescriptor> byId = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => byId[id];
}
