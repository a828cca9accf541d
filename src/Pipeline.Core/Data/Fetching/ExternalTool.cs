using System.ComponentModel;
using System.Diagnostics;

namespace Pipeline.Data.Fetching;

/// <summary>
/// Runs the ordinary package clients as child processes: the way the user would fetch by hand, so proxies, mirrors
/// and credentials configured for apt and npm apply unchanged. No shell is involved (arguments are passed as a list).
/// </summary>
public static class ExternalTool
{
    /// <summary>How many trailing lines of the error output go into an exception message.</summary>
    const int StderrTail = 15;

    /// <summary>
    /// Runs <paramref name="program"/> and waits. Standard output goes to <paramref name="stdoutFile"/> when given
    /// (apt's package lists are tens of MB) and is returned otherwise. A non-zero exit throws
    /// <see cref="ExternalToolException"/> whose message ends with <paramref name="hint"/>.
    /// </summary>
    public static string Run(string program, IReadOnlyList<string> arguments, string hint, string? workingDirectory = null, string? stdoutFile = null)
    {
        string command = Describe(program, arguments);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // closed at once: a client that prompts gets end-of-input, never a hang (CI has no stdin)
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw new ExternalToolException($"cannot run `{command}`: {e.Message}. {hint}", command, null, e);
        }

        using (process)
        {
            process.StandardInput.Close();
            // Both pipes are drained concurrently: a child blocked on a full stderr pipe would never exit.
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = "";
            if (stdoutFile is null)
            {
                stdout = process.StandardOutput.ReadToEnd();
            }
            else
            {
                using var file = File.Create(stdoutFile);
                process.StandardOutput.BaseStream.CopyTo(file);
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var lines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                string tail = string.Join("\n  ", lines.TakeLast(StderrTail));
                throw new ExternalToolException(
                    $"`{command}` failed with exit code {process.ExitCode}{(tail.Length > 0 ? $":\n  {tail}\n" : ". ")}{hint}",
                    command, process.ExitCode);
            }
            return stdout;
        }
    }

    /// <summary>The command line with arguments quoted where a shell would need it, for messages.</summary>
    public static string Describe(string program, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { program }.Concat(arguments).Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:+@,".Contains(c)) ? a : $"'{a}'"));
}
