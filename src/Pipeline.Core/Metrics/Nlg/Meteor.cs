using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Pipeline.Data.Fetching;

namespace Pipeline.Metrics.Nlg;

/// <summary>
/// METEOR 1.5 by its own jar, driven exactly as e2e-metrics' pycocoevalcap does (pycocoevalcap/meteor/meteor.py):
/// <c>java -jar -Xmx2G meteor-1.5.jar - - -stdio -l en -norm</c>, run in the jar's folder (its paraphrase table,
/// data/paraphrase-en.gz, sits beside it), fed the <see cref="CocoTokenizer"/> sentences. Per segment one line
/// <c>SCORE ||| ref 1 ||| … ||| ref n ||| hypothesis</c> (the hypothesis without "|||" and with double spaces made
/// single) answers with the segment's statistics; one line <c>EVAL ||| stats 1 ||| … ||| stats N</c> then answers
/// with N segment scores and the corpus score, which is the result. There is no substitute: the jar and its
/// paraphrase table cannot be rebuilt here, so without a jar METEOR is not computed (<see cref="NlgScorer"/>).
/// </summary>
public static class Meteor
{
    /// <summary>The arguments after <c>java</c>, the jar given by its path.</summary>
    public static IReadOnlyList<string> Arguments(string jarPath) => ["-jar", "-Xmx2G", jarPath, "-", "-", "-stdio", "-l", "en", "-norm"];

    /// <summary>One SCORE line of the -stdio protocol.</summary>
    public static string ScoreLine(string hypothesis, IReadOnlyList<string> references) =>
        string.Join(" ||| ", ["SCORE", string.Join(" ||| ", references), hypothesis.Replace("|||", "").Replace("  ", " ")]);

    /// <summary>
    /// The corpus METEOR of tokenised (space-joined) sentences. <paramref name="java"/> is the program to start
    /// (tests give a stand-in). Throws FileNotFoundException for a missing jar and ExternalToolException when Java
    /// cannot be started or the jar does not answer as METEOR 1.5 does.
    /// </summary>
    public static double ScoreTokenized(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, string jarPath, string java = "java")
    {
        NlgInput.Check(hypotheses.Count, references);
        string jar = Path.GetFullPath(jarPath);
        if (!File.Exists(jar))
            throw new FileNotFoundException($"METEOR jar '{jarPath}' does not exist; give the path of meteor-1.5.jar (with data/paraphrase-en.gz beside it, as in METEOR 1.5's release)", jar);
        var start = new ProcessStartInfo(java)
        {
            WorkingDirectory = Path.GetDirectoryName(jar)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in Arguments(jar)) start.ArgumentList.Add(argument);
        string commandLine = $"{java} {string.Join(' ', Arguments(jar))}";

        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception e)
        {
            throw new ExternalToolException($"METEOR needs Java, but '{java}' could not be started ({e.Message}); install a Java runtime (Debian: apt-get install default-jre-headless) or leave METEOR out", commandLine, null, e);
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            try
            {
                var stats = new List<string>();
                for (int i = 0; i < hypotheses.Count; i++)
                    stats.Add(Exchange(process, ScoreLine(hypotheses[i], references[i])));
                process.StandardInput.WriteLine(string.Join(" ||| ", ["EVAL", .. stats]));
                process.StandardInput.Flush();
                for (int i = 0; i < hypotheses.Count; i++) ReadLine(process);   // the segment scores
                return double.Parse(ReadLine(process), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or FormatException or EndOfStreamException)
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
                if (!process.WaitForExit(10_000)) process.Kill();
                throw new ExternalToolException($"METEOR ({jarPath}) did not answer as METEOR 1.5's -stdio mode does: {e.Message}. Its error output: {errors.Result.Trim()}", commandLine, process.HasExited ? process.ExitCode : null, e);
            }
            finally
            {
                if (!process.HasExited)
                {
                    try { process.StandardInput.Close(); } catch (IOException) { }
                    if (!process.WaitForExit(10_000)) process.Kill();
                }
            }
        }
    }

    static string Exchange(Process process, string line)
    {
        process.StandardInput.WriteLine(line);
        process.StandardInput.Flush();
        return ReadLine(process);
    }

    static string ReadLine(Process process) =>
        process.StandardOutput.ReadLine()?.Trim() ?? throw new EndOfStreamException("its output ended early");
}
