using System.CommandLine;
using Pipeline.Storage;

namespace Pipeline.Cli.Commands;

/// <summary>The <c>--json FILE</c> option of the commands that print a report: the same report as JSON, written atomically.</summary>
static class JsonReport
{
    public static Option<string?> Option() => new("--json") { Description = "Also write the report as JSON to this file." };

    public static void WriteIfAsked<T>(string? path, T report)
    {
        if (path is null) return;
        AtomicFile.WriteJson(path, report);
        Console.WriteLine($"wrote {path}");
    }
}
