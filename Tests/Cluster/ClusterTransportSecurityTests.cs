using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// README "Cluster security", the cluster's transport, with real processes: the fixture's cluster (one Silo, two
/// Frontends, Redis) runs TLS with the test PKI's member certificate, as every multi-process test now does. A Silo or
/// Frontend whose certificate comes from another CA, or that has none, is cut at the handshake: the Silo never becomes
/// an active member, the Frontend never reaches a gateway; the cluster itself goes on deciding logins.
/// </summary>
public sealed class ClusterTransportSecurityTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    /// <summary>A wrong password through the cluster's own Frontend A: refused by the auth server, so the grain was reached.</summary>
    private async Task AssertTheClusterStillDecidesAsync()
    {
        var reply = await ClusterImap.RawLoginAsync(fixture.FrontendA, "alice", "not-her-password", "127.0.0.1", Ct);
        Assert.True(reply.StartsWith("a NO ", StringComparison.Ordinal) && !reply.Contains("UNAVAILABLE", StringComparison.Ordinal), $"{reply}\n{fixture.Diagnostics()}");
    }

    [Fact]
    public async Task ASiloWithACertificateFromAnotherCaNeverBecomesAnActiveMember()
    {
        var intruder = ClusterTestCertificates.Shared.IntruderSettings();

        var refused = await Assert.ThrowsAsync<ServerStartException>(() =>
            SiloProcess.StartAsync(fixture.Cluster, "Silo with another CA's certificate", TimeSpan.FromSeconds(40), intruder));

        var active = (await fixture.Cluster.ReadMembershipAsync()).Where(m => m.Status == MembershipEntry.Active).Select(m => m.SiloPort).ToList();
        Assert.True(active.SequenceEqual([fixture.Silo.SiloPort]), $"active members {string.Join(", ", active)}\n{refused.Message}");
        await AssertTheClusterStillDecidesAsync();
    }

    public static TheoryData<string> Outsiders => new()
    {
        // Its own CA trusts nothing of the cluster: it refuses the gateway's certificate.
        "Frontend with another CA's certificate",
        // It trusts the cluster's CA too, so only the gateway's check of the client certificate stops it.
        "Frontend trusting the cluster's CA with another CA's certificate",
        // Cluster:Tls:Mode=Off: plain TCP to a TLS listener.
        "Frontend without a certificate",
    };

    private static Dictionary<string, string> OutsiderSettings(string name)
    {
        var pki = ClusterTestCertificates.Shared;
        var settings = pki.IntruderSettings();
        if (name.Contains("trusting the cluster's CA", StringComparison.Ordinal)) settings["Cluster:Tls:Ca"] = pki.BothCasPath;
        if (name.Contains("without", StringComparison.Ordinal))
            settings = new Dictionary<string, string> { ["Cluster:Tls:Certificate"] = "", ["Cluster:Tls:Key"] = "", ["Cluster:Tls:Ca"] = "", ["Cluster:Tls:Mode"] = "Off" };
        return settings;
    }

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task AFrontendWithoutTheClustersCertificateCannotReachAGateway(string name)
    {
        // Its Orleans client finds the gateway in Redis, but no connection gets past the handshake: the client keeps
        // trying, and the mail listeners, which open only once it is connected, never accept a login.
        var refused = await Assert.ThrowsAsync<ServerStartException>(() =>
            FrontendProcess.StartAsync(fixture.Cluster, fixture.Auth.Url, name, TimeSpan.FromSeconds(25), OutsiderSettings(name)));

        Assert.Contains($"{name}: no '{FrontendProcess.Greeting}'", refused.Message, StringComparison.Ordinal);
        var output = refused.Message[refused.Message.IndexOf(" stdout+stderr ---", StringComparison.Ordinal)..];
        Assert.Contains($"Connection attempt to endpoint S127.0.0.1:{fixture.Silo.GatewayPort}:0 failed", output, StringComparison.Ordinal);
        await AssertTheClusterStillDecidesAsync();
    }

    [Fact]
    public async Task ModeOffRunsARedisClusterInClearWithOneWarningPerProcess()
    {
        var cluster = ClusterIdentity.Unique(fixture.Redis.ConnectionString);
        var off = new Dictionary<string, string> { ["Cluster:Tls:Certificate"] = "", ["Cluster:Tls:Key"] = "", ["Cluster:Tls:Ca"] = "", ["Cluster:Tls:Mode"] = "Off" };
        await using var silo = await SiloProcess.StartAsync(cluster, "Silo with Cluster:Tls:Mode=Off", extra: off);
        await using var frontend = await FrontendProcess.StartAsync(cluster, fixture.Auth.Url, "Frontend with Cluster:Tls:Mode=Off", extra: off);

        var reply = await ClusterImap.RawLoginAsync(frontend, "alice", "not-her-password", "127.0.0.1", Ct);
        Assert.True(reply.StartsWith("a NO ", StringComparison.Ordinal) && !reply.Contains("UNAVAILABLE", StringComparison.Ordinal), $"{reply}\n{frontend.App.Diagnostics()}");
        foreach (var app in new[] { silo.App, frontend.App })
        {
            var warnings = app.Output.Split('\n').Count(line => line.Contains("cluster transport TLS is off (Cluster:Tls:Mode=Off)", StringComparison.Ordinal));
            Assert.True(warnings == 1, $"{app.Name}: {warnings} warnings\n{app.Diagnostics()}");
            Assert.Contains("[5010]", app.Output, StringComparison.Ordinal);
        }
    }
}
