using System.Linq;
using Microsoft.CodeAnalysis;

namespace Pipeline.Generators.Model;

/// <summary>
/// A diagnostic as plain data (descriptor id, message arguments, file and span) so it can travel through the
/// incremental pipeline beside the model; turned into a <see cref="Diagnostic"/> only when reported.
/// </summary>
public sealed record DiagnosticInfo(string Id, string Path, SourceSpan Span, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, string path, SourceSpan span, params string[] arguments) =>
        new(descriptor.Id, path, span, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(DiagnosticDescriptors.ById(Id), Span.ToLocation(Path), Arguments.Cast<object>().ToArray());
}
