using System.CommandLine;
using Pipeline.Data.Fetching;
using Pipeline.Engine;

namespace Pipeline.Cli.Commands;

/// <summary>Runs the parsed command; turns the errors users can act on into a message and an exit code.</summary>
static class CommandRunner
{
    public const int Failure = 1;

    public static int Invoke(RootCommand root, string[] args)
    {
        try
        {
            // Without this, System.CommandLine's default handler prints a stack trace and the catches below never run.
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
        }
        catch (NativeBackendException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
        catch (Exception e) when (e is ExternalToolException or Runs.RunBusyException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}
