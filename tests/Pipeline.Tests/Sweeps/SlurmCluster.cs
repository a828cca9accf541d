using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Sweeps;

/// <summary>
/// A real one-node Slurm cluster on this machine for the length of a test class: Debian's slurmctld and slurmd
/// (installed with apt when absent), started as child processes on a slurm.conf in a temp folder. No systemd, no
/// munge (auth/none), no accounting; the controller and the node listen on free loopback ports, so the machine's
/// own Slurm (if any) is untouched. Every Slurm command of the test must get <see cref="Environment"/> (SLURM_CONF).
/// slurmd runs jobs as their user, which needs root: without root the tests are skipped (<see cref="SkipReason"/>).
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    const string Partition = "debug";
    readonly string folder = Directory.CreateTempSubdirectory("pipeline-slurm-").FullName;
    readonly List<Process> daemons = [];
    readonly StringBuilder daemonOutput = new();

    /// <summary>Why the cluster could not be had here; null when it runs.</summary>
    public string? SkipReason { get; }

    public string ConfigFile => Path.Combine(folder, "slurm.conf");

    /// <summary>What every Slurm command (and every pipeline that calls one) needs: <c>SLURM_CONF</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SLURM_CONF"] = ConfigFile };

    /// <summary>How long the apt install took (zero when Slurm was there), for the record.</summary>
    public TimeSpan InstallTime { get; }

    public SlurmCluster()
    {
        if (System.Environment.UserName != "root")
        {
            SkipReason = "a test Slurm cluster needs root (slurmd starts jobs as their user; apt installs Slurm)";
            return;
        }
        var clock = Stopwatch.StartNew();
        if (!File.Exists("/usr/sbin/slurmctld") || !File.Exists("/usr/sbin/slurmd") || !File.Exists("/usr/bin/sbatch"))
        {
            Install();
            InstallTime = clock.Elapsed;
        }

        string node = Regex.Match(Run("slurmd", "-C"), @"NodeName=(\S+)").Groups[1].Value;
        File.WriteAllText(ConfigFile, Config(node, FreePort(), FreePort()));
        Directory.CreateDirectory(Path.Combine(folder, "state"));
        Directory.CreateDirectory(Path.Combine(folder, "spool"));
        Start("slurmctld", "-D", "-i", "-f", ConfigFile);
        Start("slurmd", "-D", "-f", ConfigFile);
        WaitUntilIdle(TimeSpan.FromSeconds(60));
    }

    /// <summary>The slurm.conf: one node (this host) with 2 one-CPU slots, one default partition, everything in the temp folder.</summary>
    string Config(string node, int controllerPort, int nodePort) => $"""
        ClusterName=pipelinetest
        SlurmctldHost={node}(127.0.0.1)
        SlurmctldPort={controllerPort}
        SlurmdPort={nodePort}
        SlurmUser=root
        SlurmdUser=root
        AuthType=auth/none
        CredType=cred/none
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        MpiDefault=none
        SelectType=select/cons_tres
        SelectTypeParameters=CR_CPU
        SchedulerType=sched/backfill
        JobAcctGatherType=jobacct_gather/none
        AccountingStorageType=accounting_storage/none
        JobCompType=jobcomp/none
        MailProg=/bin/true
        ReturnToService=2
        StateSaveLocation={folder}/state
        SlurmdSpoolDir={folder}/spool
        SlurmctldPidFile={folder}/slurmctld.pid
        SlurmdPidFile={folder}/slurmd.pid
        SlurmctldLogFile={folder}/slurmctld.log
        SlurmdLogFile={folder}/slurmd.log
        NodeName={node} NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
        PartitionName={Partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP

        """;

    /// <summary>Runs a Slurm command against this cluster and returns what it printed; a failure fails the test.</summary>
    public string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["SLURM_CONF"] = ConfigFile;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1))) process.Kill();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}{stdout}");
        return stdout;
    }

    /// <summary>Debian's packages, without the recommended extras; the package lists are fetched when apt does not know them yet.</summary>
    static void Install()
    {
        string[] install = ["install", "-y", "--no-install-recommends", "slurmctld", "slurmd", "slurm-client"];
        if (Apt(install) == 0) return;
        Assert.True(Apt(["update", "-qq"]) == 0, "apt-get update failed");
        Assert.True(Apt(install) == 0, "apt-get install slurmctld slurmd slurm-client failed (see the test output)");
    }

    static int Apt(string[] arguments)
    {
        var start = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) Console.Error.WriteLine($"apt-get {string.Join(' ', arguments)}: {stderr.Result}");
        return process.ExitCode;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    void Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        void Keep(string? line)
        {
            if (line is not null) lock (daemonOutput) daemonOutput.AppendLine($"{program}: {line}");
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        daemons.Add(process);
    }

    /// <summary>Until sinfo shows the node idle; the daemons' output goes into the failure message otherwise.</summary>
    void WaitUntilIdle(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        string state = "";
        while (clock.Elapsed < limit)
        {
            if (daemons.Any(d => d.HasExited)) break;
            try
            {
                state = Run("sinfo", "--noheader", "--format=%t").Trim();
                if (state == "idle") return;
            }
            catch (InvalidOperationException e)
            {
                state = e.Message; // slurmctld not listening yet
            }
            Thread.Sleep(500);
        }
        string output;
        lock (daemonOutput) output = daemonOutput.ToString();
        Dispose();
        throw new InvalidOperationException($"the test Slurm cluster did not come up in {limit.TotalSeconds} s (sinfo: {state}); its daemons said:\n{output}");
    }

    /// <summary>Cancels what is left in the queue, stops both daemons by their process ids and removes the folder.</summary>
    public void Dispose()
    {
        if (daemons.Count > 0 && daemons.All(d => !d.HasExited))
        {
            try
            {
                Run("scancel", $"--partition={Partition}");
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(20) && Run("squeue", "--noheader").Trim().Length > 0)
                    Thread.Sleep(500);
            }
            catch (InvalidOperationException)
            {
                // The controller no longer answers: stop the daemons anyway.
            }
        }
        foreach (var daemon in daemons)
        {
            if (!daemon.HasExited) daemon.Kill();
            daemon.WaitForExit();
            daemon.Dispose();
        }
        daemons.Clear();
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
