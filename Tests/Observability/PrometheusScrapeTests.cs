using System.Net;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// A real Prometheus scrapes a Frontend and a Silo of a multi-process Redis cluster (<see cref="ObservedCluster"/>)
/// with the admin token while a small load logs in from 127.0.0.2 (an address no process of the test uses): both
/// targets are up; series of OrleansMail's, Orleans', the runtime's and Kestrel's meters are there; the silo's
/// auth_http requests counted by HttpClient's meter equal the auth server's count; and no series carries a label whose
/// name is about a client or a login, or whose value holds a login or the load's client address. The scrape's metric
/// names are what the dashboard and alert tests check the deploy/ files against (<see cref="DeployArtefacts"/>).
/// </summary>
public sealed class PrometheusScrapeTests(ObservedCluster cluster) : IClassFixture<ObservedCluster>
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    private static readonly System.Net.IPAddress LoadAddress = System.Net.IPAddress.Parse("127.0.0.2");

    private static readonly string[] LoadLogins = ["alice", "bob"];

    [Fact]
    public async Task PrometheusScrapesBothProcessesAndNoSeriesNamesALoginOrAClientAddress()
    {
        var frontend = cluster.FrontendA;
        var silo = cluster.Silos[0];
        await using var prometheus = await PrometheusServer.StartAsync(
        [
            new PrometheusServer.Job("frontend", [$"127.0.0.1:{frontend.HealthPort}"], ClusterDeployment.AdminToken),
            new PrometheusServer.Job("silo", [$"127.0.0.1:{silo.HealthPort}"], ClusterDeployment.AdminToken),
        ], Ct);

        var authBefore = cluster.AuthLog.Count;
        for (var i = 0; i < 4; i++)
        {
            // A different wrong password each time: a repeated one is refused locally (bruteforce_repeat_window).
            foreach (var (login, password, ok) in new[] { ("alice", "alice-password", true), ("bob", $"not-bobs-password-{i}", false) })
            {
                await using var client = await LineClient.ConnectFromAsync(LoadAddress, frontend.ImapPort, Ct);
                Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
                await client.SendAsync($"a LOGIN {login} {password}\r\n");
                var reply = (await client.ReadUntilAsync("a ", TimeSpan.FromSeconds(30)))[^1];
                Assert.True(reply.StartsWith(ok ? "a OK" : "a NO", StringComparison.Ordinal), $"{login}: {reply}\n{cluster.Diagnostics()}");
                if (ok) await client.SendAsync("b LOGOUT\r\n");
            }
        }
        var authRequests = cluster.AuthLog.Count - authBefore;
        Assert.Equal(8, authRequests);

        // Both targets up, scraped with the token.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<(string Job, string Health, string Error)> targets;
        while (((targets = await prometheus.TargetsAsync(Ct)).Count < 2 || targets.Any(t => t.Health != "up")) && DateTime.UtcNow < deadline) await Task.Delay(250, Ct);
        Assert.True(targets.Count == 2 && targets.All(t => t.Health == "up"), string.Join("; ", targets) + "\n" + prometheus.Output);

        // Every auth_http request of the load went through the silo's HttpClient: its meter counted each.
        // (Nothing else in this deployment logs in: the fixture is this class's alone.)
        Assert.Equal(cluster.AuthLog.Count, await prometheus.WaitForSumAsync(
            "http_client_request_duration_seconds_count{job=\"silo\"}", cluster.AuthLog.Count, TimeSpan.FromSeconds(20), Ct));
        // The load's logins as the Frontend's and the silo's own instruments count them (README "Observability").
        Assert.Equal(4, await prometheus.WaitForSumAsync(
            "orleansmail_logins_total{job=\"frontend\",protocol=\"imap\",mechanism=\"login\",result=\"ok\"}", 4, TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(4, await prometheus.WaitForSumAsync(
            "orleansmail_logins_total{job=\"frontend\",protocol=\"imap\",mechanism=\"login\",result=\"failed\"}", 4, TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(8, await prometheus.WaitForSumAsync("orleansmail_login_duration_seconds_count{job=\"frontend\"}", 8, TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(4, await prometheus.WaitForSumAsync(
            "orleansmail_auth_http_duration_seconds_count{job=\"silo\",protocol=\"imap\",result=\"ok\"}", 4, TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(4, await prometheus.WaitForSumAsync(
            "orleansmail_auth_http_duration_seconds_count{job=\"silo\",protocol=\"imap\",result=\"refused\"}", 4, TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(1, await prometheus.WaitForSumAsync("orleansmail_ready{job=\"frontend\"}", 1, TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(1, await prometheus.WaitForSumAsync("orleansmail_ready{job=\"silo\"}", 1, TimeSpan.FromSeconds(10), Ct));

        var names = await prometheus.MetricNamesAsync(Ct);
        foreach (var prefix in new[] { "orleansmail_", "orleans_", "dotnet_", "kestrel_", "http_client_" })
            Assert.True(names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal)), $"no {prefix}* series: {string.Join(", ", names)}");
        Assert.Contains("orleans_consistent_ring_size", names);
        Assert.Contains("orleans_client_connected_gateways", names);
        Assert.Contains("kestrel_active_connections", names);

        // The label rule: bounded values only, never a login or a client address.
        var series = await prometheus.SeriesAsync(Ct);
        Assert.NotEmpty(series);
        foreach (var labels in series)
        {
            foreach (var (name, value) in labels)
            {
                Assert.False(name.Contains("client_address", StringComparison.Ordinal) || name.Contains("login", StringComparison.Ordinal)
                    || name.Contains("user", StringComparison.Ordinal) || name == "enduser_id", $"label {name}=\"{value}\" in {Describe(labels)}");
                Assert.DoesNotContain(LoadAddress.ToString(), value, StringComparison.Ordinal);
                Assert.DoesNotContain(LoadLogins, login => value.Contains(login, StringComparison.OrdinalIgnoreCase));
            }
        }
        // The operator artefacts name only metrics that exist: the catalog's, or ones this scrape found.
        DeployArtefacts.AssertEveryMetricIsKnown(names);
        // And every expression is PromQL Prometheus evaluates (a parse error is HTTP 400).
        foreach (var expression in DeployArtefacts.Expressions()) await prometheus.QueryAsync(expression, Ct);
    }

    private static string Describe(IReadOnlyDictionary<string, string> labels) => "{" + string.Join(", ", labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}

/// <summary>One Silo and two Frontends on Redis (<see cref="ClusterDeployment"/>), the Frontends with the admin token, so /metrics is served on their Health:Listen.</summary>
public sealed class ObservedCluster() : ClusterDeployment(siloCount: 1, frontendSettings: new Dictionary<string, string> { ["Admin:Token"] = AdminToken });
