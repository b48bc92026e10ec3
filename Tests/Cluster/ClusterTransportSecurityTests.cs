using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// Issue 15 item 1, cluster transport security, with real processes: the fixture's cluster (one Silo, two Frontends,
/// Redis) runs TLS with the test PKI's member certificate, as every multi-process test now does. A Silo or Frontend
/// whose certificate comes from another CA, or that has none, is cut at the handshake: the Silo never becomes an
/// active member, the Frontend never reaches a gateway; the cluster itself goes on deciding logins.
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

    public static TheoryData<string, bool> Outsiders => new()
    {
        // name, whether it has a certificate (from another CA) or none at all (Cluster:Tls:Mode=Off, plain TCP)
        { "Frontend with another CA's certificate", true },
        { "Frontend without a certificate", false },
    };

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task AFrontendWithoutTheClustersCertificateCannotReachAGateway(string name, bool withCertificate)
    {
        var settings = withCertificate
            ? ClusterTestCertificates.Shared.IntruderSettings()
            : new Dictionary<string, string> { ["Cluster:Tls:Certificate"] = "", ["Cluster:Tls:Key"] = "", ["Cluster:Tls:Ca"] = "", ["Cluster:Tls:Mode"] = "Off" };

        // Its Orleans client finds the gateway in Redis but no handshake succeeds: the start fails, and nothing it could
        // have sent reached a grain.
        var refused = await Assert.ThrowsAsync<ServerStartException>(() =>
            FrontendProcess.StartAsync(fixture.Cluster, fixture.Auth.Url, name, TimeSpan.FromSeconds(60), settings));

        Assert.Contains("exited with code 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("gateway", refused.Message, StringComparison.OrdinalIgnoreCase);
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
