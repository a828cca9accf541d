namespace Pipeline.Data.Fetching;

/// <summary>
/// An outside program (apt-get, dpkg-deb, npm) failed or is missing. The message names the command line, its
/// exit code, the end of its error output and what to do, because the user has to act outside Pipeline.
/// </summary>
public sealed class ExternalToolException(string message, string command, int? exitCode, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The command line as a user could paste it.</summary>
    public string Command { get; } = command;

    /// <summary>Null when the program could not be started at all.</summary>
    public int? ExitCode { get; } = exitCode;
}
