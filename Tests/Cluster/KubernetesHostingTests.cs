using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// <c>Cluster:Kubernetes=true</c> on real Silo processes (README "Kubernetes"), each started as a pod would be: the
/// downward-API variables (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c> a loopback address of its own,
/// <c>ORLEANS_CLUSTER_ID</c>) and, in place of the pod's service account, a kubeconfig naming
/// <see cref="FakeKubernetesApi"/>. What a real cluster adds and these tests cannot show: the service account's token
/// and TLS to the API server, RBAC, and pod events from a real kubelet.
/// </summary>
public sealed class KubernetesHostingTests : IAsyncLifetime
{
    private const string Namespace = "mail";

    private RedisServer _redis = null!;
    private FakeKubernetesApi _api = null!;
    private ClusterIdentity _cluster = null!;
    private string _directory = null!;
    private readonly List<SiloProcess> _silos = [];

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _api = await FakeKubernetesApi.StartAsync(Namespace);
        _cluster = ClusterIdentity.Unique(_redis.ConnectionString);
        _directory = ServerProcess.CreateTempDirectory("orleansmail-k8s-");
    }

    /// <summary>A silo "pod": its name and IP in the environment, the cluster id from ORLEANS_CLUSTER_ID (the file names another).</summary>
    private async Task<SiloProcess> StartPodAsync(string pod, string ip)
    {
        _api.AddPod(pod);
        var silo = await SiloProcess.StartAsync(_cluster, pod, extra: new Dictionary<string, string>
        {
            ["Cluster:Kubernetes"] = "true",
            ["Cluster:AdvertisedIp"] = "", // from POD_IP
            ["Cluster:ClusterId"] = "overridden-by-the-environment",
            // Missed probes take 10 s × 3 here: a silo declared dead within seconds was declared so by the pod agent.
            ["Cluster:ProbeTimeout"] = "10s",
        }, environment: new Dictionary<string, string>
        {
            ["POD_NAME"] = pod,
            ["POD_NAMESPACE"] = Namespace,
            ["POD_IP"] = ip,
            ["ORLEANS_CLUSTER_ID"] = _cluster.ClusterId,
            ["KUBECONFIG"] = _api.WriteKubeconfig(_directory),
        });
        _silos.Add(silo);
        return silo;
    }

    private static (string Name, string Address) NameAndAddress(MembershipEntry entry)
    {
        using var json = JsonDocument.Parse(entry.Json);
        var address = json.RootElement.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
        return (json.RootElement.GetProperty("SiloName").GetString()!, address[..address.IndexOf(':')]);
    }

    [Fact]
    public async Task PodsJoinUnderTheirNamesAndIpsAndASiloWhosePodIsGoneIsDeclaredDeadByTheNextPodsAgent()
    {
        var a = await StartPodAsync("silo-a", "127.0.0.2");
        var b = await StartPodAsync("silo-b", "127.0.0.3");

        // The membership (under ORLEANS_CLUSTER_ID's key) names each silo by its pod and advertises its pod IP.
        var members = await _cluster.ReadMembershipAsync();
        Assert.Equal([("silo-a", "127.0.0.2"), ("silo-b", "127.0.0.3")],
            members.Where(m => m.Status == MembershipEntry.Active).Select(NameAndAddress).Order());
        // Each agent labelled its own pod with the cluster's ids (the selector the agents watch by).
        foreach (var pod in new[] { "silo-a", "silo-b" })
        {
            var labels = _api.Labels(pod)!;
            Assert.Equal(_cluster.ServiceId, labels["orleans/serviceId"]);
            Assert.Equal(_cluster.ClusterId, labels["orleans/clusterId"]);
        }
        Assert.Contains(_api.Requests, r => r.StartsWith($"GET /api/v1/namespaces/{Namespace}/pods?", StringComparison.Ordinal) && r.Contains("labelSelector=", StringComparison.Ordinal));

        // A rolling update: silo-b's pod hangs (stopped, never answers a probe again) and is deleted; its replacement
        // silo-c starts. Its agent finds silo-b active without a pod and declares it dead before joining, instead of
        // the 30 s and more missed probes would take (and a join blocked meanwhile by the unreachable silo).
        using (var stop = Process.Start("kill", ["-STOP", b.App.Id.ToString(CultureInfo.InvariantCulture)])) await stop.WaitForExitAsync(Timeout);
        var stopped = Stopwatch.StartNew();
        _api.DeletePod("silo-b");
        await StartPodAsync("silo-c", "127.0.0.4");
        var after = await _cluster.ReadMembershipAsync();
        Assert.Equal(MembershipEntry.Dead, Assert.Single(after, m => NameAndAddress(m).Name == "silo-b").Status);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(25), $"silo-b declared dead only {stopped.Elapsed.TotalSeconds:0.0} s after it stopped");
        Assert.Contains("silo-b", string.Join("\n", _silos.Select(s => s.App.Output)), StringComparison.Ordinal);
        Assert.Equal(["silo-a", "silo-c"], after.Where(m => m.Status == MembershipEntry.Active).Select(m => NameAndAddress(m).Name).Order());
        await b.App.KillAsync();
        Assert.False(a.App.HasExited, a.App.Diagnostics());
    }

    [Fact]
    public async Task WithoutAnApiServerOrWithABadPodIpTheSiloRefusesToStartNamingTheSetting()
    {
        var settings = _cluster.Settings();
        settings["Cluster:Kubernetes"] = "true";
        var outside = new Dictionary<string, string> { ["POD_NAMESPACE"] = Namespace, ["KUBECONFIG"] = "", ["KUBERNETES_SERVICE_HOST"] = "" };
        await using (var app = DotnetAppProcess.StartWithEnvironment("Silo", settings, outside, "silo outside Kubernetes"))
        {
            Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("Cluster:Kubernetes", app.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
        }

        var badIp = new Dictionary<string, string> { ["POD_NAMESPACE"] = Namespace, ["POD_IP"] = "not-an-ip", ["KUBECONFIG"] = _api.WriteKubeconfig(_directory) };
        await using (var app = DotnetAppProcess.StartWithEnvironment("Silo", settings, badIp, "silo with a bad POD_IP"))
        {
            Assert.Equal(1, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("POD_IP = 'not-an-ip'", app.StandardError, StringComparison.Ordinal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) await silo.DisposeAsync();
        if (_api is not null) await _api.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        if (_directory is not null) await ServerProcess.DeleteDirectoryAsync(_directory);
    }
}
