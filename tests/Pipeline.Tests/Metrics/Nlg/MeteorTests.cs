using Pipeline.Data.Fetching;
using Pipeline.Metrics.Nlg;

namespace Pipeline.Tests.Metrics.Nlg;

/// <summary>
/// METEOR without its jar (which cannot be fetched here): the command and protocol lines e2e-metrics' pycocoevalcap
/// uses, the errors for a missing jar or Java, and the -stdio exchange against a stand-in for java that answers
/// as METEOR 1.5 does (a shell script that records its arguments and the lines it was sent).
/// </summary>
public class MeteorTests
{
    [Fact]
    public void Arguments_are_pycocoevalcaps_java_command_line()
    {
        Assert.Equal(["-jar", "-Xmx2G", "/opt/meteor/meteor-1.5.jar", "-", "-", "-stdio", "-l", "en", "-norm"], Meteor.Arguments("/opt/meteor/meteor-1.5.jar"));
        Assert.Equal("SCORE ||| ref one ||| ref two ||| a bc", Meteor.ScoreLine("a  b|||c", ["ref one", "ref two"]));   // "|||" removed, then double spaces
    }

    [Fact]
    public void Without_a_jar_meteor_is_left_out_and_the_others_are_computed()
    {
        var scores = NlgScorer.Score(["a coffee shop"], [["a coffee shop"]], NlgScorer.Names);
        Assert.Equal(["bleu", "nist", "rouge-l", "cider", "ter"], scores.Keys);
        Assert.Empty(NlgScorer.Score(["a coffee shop"], [["a coffee shop"]], ["meteor"], new NlgOptions(MeteorJar: null)));
        Assert.Contains("--meteor-jar", NlgScorer.MeteorUnavailable);
    }

    [Fact]
    public void A_missing_jar_is_an_error_naming_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() =>
            NlgScorer.Score(["a"], [["a"]], ["meteor"], new NlgOptions("/nonexistent/meteor-1.5.jar")));
        Assert.Contains("/nonexistent/meteor-1.5.jar", e.Message);
    }

    [Fact]
    public void Missing_java_is_an_error_saying_to_install_it()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("meteor-1.5.jar"), "");
        var e = Assert.Throws<ExternalToolException>(() =>
            Meteor.ScoreTokenized(["a"], [["a"]], dir.File("meteor-1.5.jar"), java: dir.File("no-such-java")));
        Assert.Contains("needs Java", e.Message);
        Assert.Null(e.ExitCode);
    }

    [Fact]
    public void The_stdio_exchange_sends_one_SCORE_line_per_segment_then_EVAL_and_returns_the_last_line()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("meteor-1.5.jar"), "");
        string java = dir.File("java");
        File.WriteAllText(java, $$"""
            #!/bin/bash
            printf '%s\n' "$PWD" "$@" > '{{dir.File("args.txt")}}'
            n=0
            while IFS= read -r line; do
              echo "$line" >> '{{dir.File("sent.txt")}}'
              case "$line" in
                SCORE*) n=$((n+1)); echo "$n.0 2.0 3.0" ;;
                EVAL*) for i in $(seq 1 $n); do echo "0.$i"; done; echo "0.4321"; exit 0 ;;
              esac
            done
            """.Replace("\r", ""));
        MakeExecutable(java);

        double score = Meteor.ScoreTokenized(["the eagle", "a pub"], [["the eagle is cheap", "an eagle"], ["a pub"]], dir.File("meteor-1.5.jar"), java);

        Assert.Equal(0.4321, score);
        Assert.Equal([dir.Path, .. Meteor.Arguments(dir.File("meteor-1.5.jar"))], File.ReadAllLines(dir.File("args.txt")));
        Assert.Equal(["SCORE ||| the eagle is cheap ||| an eagle ||| the eagle", "SCORE ||| a pub ||| a pub", "EVAL ||| 1.0 2.0 3.0 ||| 2.0 2.0 3.0"],
            File.ReadAllLines(dir.File("sent.txt")));
    }

    [Fact]
    public void A_jar_that_does_not_answer_is_an_error_with_its_output()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir.File("meteor-1.5.jar"), "");
        string java = dir.File("java");
        File.WriteAllText(java, "#!/bin/bash\necho 'Error: Invalid or corrupt jarfile' >&2\nexit 1\n");
        MakeExecutable(java);
        var e = Assert.Throws<ExternalToolException>(() => Meteor.ScoreTokenized(["a"], [["a"]], dir.File("meteor-1.5.jar"), java));
        Assert.Contains("Invalid or corrupt jarfile", e.Message);
    }

    static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
