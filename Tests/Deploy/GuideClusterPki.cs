using System.Diagnostics;

namespace OrleansMail.Tests.Deploy;

/// <summary>
/// The cluster CA and the silo's and Frontend's certificates, made by running deploy/README.md's own openssl commands
/// (step 4, from <c>mkdir -p ~/orleansmail-pki</c> to <c>openssl verify</c>) in a temporary folder: the settings the code
/// reads from a pod's environment are checked with the files an operator following the guide would have.
/// </summary>
public sealed class GuideClusterPki : IDisposable
{
    private const string Folder = "~/orleansmail-pki";

    private GuideClusterPki(string directory) => Directory = directory;

    public string Directory { get; }

    public static GuideClusterPki Create()
    {
        var guide = File.ReadAllLines(Path.Combine(DeployTools.Repository, "deploy", "README.md"));
        var first = Array.FindIndex(guide, l => l.StartsWith($"mkdir -p {Folder}", StringComparison.Ordinal));
        var last = Array.FindIndex(guide, first + 1, l => l.StartsWith("openssl verify", StringComparison.Ordinal));
        Assert.True(first >= 0 && last > first, "deploy/README.md has no cluster CA commands from \"mkdir -p ~/orleansmail-pki\" to \"openssl verify\"");
        var pki = new GuideClusterPki(Support.ServerProcess.CreateTempDirectory("orleansmail-pki-"));
        var script = string.Join('\n', guide[first..(last + 1)]).Replace(Folder, pki.Directory, StringComparison.Ordinal);

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = pki.Directory };
        foreach (var argument in new[] { "-euo", "pipefail", "-c", script }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the guide's openssl commands did not finish within 60 s");
        Assert.True(process.ExitCode == 0, $"the guide's openssl commands failed ({process.ExitCode}): {error.Result}");
        Assert.Contains("silo.crt: OK", output.Result, StringComparison.Ordinal);
        return pki;
    }

    /// <summary>
    /// The pod's environment with the cluster certificate paths (<c>/etc/orleansmail/cluster/…</c>, where the projected
    /// Secret volume puts them) pointing at this folder's files of <paramref name="member"/> (silo or frontend).
    /// </summary>
    public IReadOnlyDictionary<string, string> Mount(IReadOnlyDictionary<string, string> environment, string member) =>
        environment.ToDictionary(e => e.Key, e => e.Value switch
        {
            "/etc/orleansmail/cluster/tls.crt" => Path.Combine(Directory, member + ".crt"),
            "/etc/orleansmail/cluster/tls.key" => Path.Combine(Directory, member + ".key"),
            "/etc/orleansmail/cluster/ca.crt" => Path.Combine(Directory, "cluster-ca.crt"),
            var value => value,
        });

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
