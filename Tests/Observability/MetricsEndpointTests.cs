using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Telemetry;
using System.Net;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// <c>/metrics</c> on a Frontend's <c>Health:Listen</c> port (README "Observability"): guarded by <c>Admin:Token</c> as
/// the admin API is (401 without it, served with it as Bearer or as the password of Basic), open to anyone only with
/// <c>Metrics:AnonymousScrape=true</c>, not served at all (404, and a start-up warning) with neither, and absent with
/// <c>Metrics:Enabled=false</c>; the health pair answers in every case.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Token = "metrics-admin-token-0123456789abcdef-0123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(ProxyUnderTest Proxy, string Url)> StartAsync(params (string Key, string Value)[] settings)
    {
        var health = ServerProcess.GetFreeTcpPorts(1)[0].ToString(CultureInfo.InvariantCulture);
        var proxy = await ProxyUnderTest.StartAsync([("AuthHttp", "http://127.0.0.1:9/auth")],
            new Dictionary<string, (string, string)[]> { ["imap"] = [] },
            [("Health:Listen", $"127.0.0.1:{health}"), ("ShutdownDelay", "0s"), .. settings]);
        return (proxy, $"http://127.0.0.1:{health}");
    }

    private static async Task<HttpStatusCode> GetAsync(string url, string path, System.Net.Http.Headers.AuthenticationHeaderValue? authorization = null)
    {
        using var http = AdminHttp.Create(url, authorization);
        using var response = await http.GetAsync(path, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task MetricsNeedTheAdminTokenAsBearerOrBasic()
    {
        var (proxy, url) = await StartAsync(("Admin:Token", Token));
        await using var _ = proxy;
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(url, "/metrics"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(url, "/metrics", AdminHttp.Bearer("not-the-token")));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/metrics", AdminHttp.Bearer(Token)));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/metrics", AdminHttp.Basic("prometheus", Token)));

        using var http = AdminHttp.Create(url, AdminHttp.Bearer(Token));
        var scrape = await http.GetStringAsync("/metrics", Ct);
        Assert.Contains("orleansmail_ready{", scrape, StringComparison.Ordinal);
        Assert.Contains("orleans_", scrape, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", scrape, StringComparison.Ordinal);
        // The health pair needs no token (a load balancer's probe has none).
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/health/live"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/health/ready"));
    }

    /// <summary>
    /// Instruments made as the catalog makes them (from the host's IMeterFactory, meter OrleansMail) appear in the
    /// scrape under <see cref="MetricCatalog"/>'s names, and with their bounded labels only.
    /// </summary>
    [Fact]
    public async Task TheExporterNamesInstrumentsAsTheCatalogSays()
    {
        var (proxy, url) = await StartAsync(("Metrics:AnonymousScrape", "true"));
        await using var _ = proxy;
        var meter = proxy.Services.GetRequiredService<IMeterFactory>().Create(OrleansMailTelemetry.MeterName);
        var labels = new TagList { { "protocol", "imap" }, { "result", "ok" } };
        meter.CreateCounter<long>("orleansmail.logins", "{login}").Add(3, labels);
        meter.CreateHistogram<double>("orleansmail.login.duration", "s").Record(0.25, labels);
        meter.CreateCounter<long>("orleansmail.relay.bytes", "By").Add(4096, new KeyValuePair<string, object?>("direction", "client_to_upstream"));
        meter.CreateUpDownCounter<long>("orleansmail.connections.active", "{connection}").Add(2);
        meter.CreateUpDownCounter<long>("orleansmail.session.leases", "{lease}").Add(1);

        using var http = AdminHttp.Create(url, null);
        var scrape = await http.GetStringAsync("/metrics", Ct);
        var names = scrape.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOfAny(['{', ' '])]).ToHashSet();
        foreach (var name in new[] { "orleansmail_logins_total", "orleansmail_login_duration_seconds_bucket", "orleansmail_login_duration_seconds_count",
                     "orleansmail_relay_bytes_total", "orleansmail_connections_active", "orleansmail_session_leases" })
        {
            Assert.Contains(name, names);
            Assert.Contains(name, MetricCatalog.SeriesNames);
        }
        Assert.Contains("orleansmail_logins_total{otel_scope_name=\"OrleansMail\",protocol=\"imap\",result=\"ok\"} 3", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnonymousScrapeServesMetricsWithoutAToken()
    {
        var (proxy, url) = await StartAsync(("Metrics:AnonymousScrape", "true"));
        await using var _ = proxy;
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/metrics"));
    }

    [Fact]
    public async Task WithoutTokenOrAnonymousScrapeMetricsAreNotServedAndAWarningSaysWhy()
    {
        var (proxy, url) = await StartAsync();
        await using var _ = proxy;
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(url, "/metrics"));
        Assert.Contains(proxy.Logs.Lines, line => line.Contains("/metrics is not served: it needs Admin:Token", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/health/ready"));
    }

    [Fact]
    public async Task MetricsOffMeansNoMetricsEndpoint()
    {
        var (proxy, url) = await StartAsync(("Admin:Token", Token), ("Metrics:Enabled", "false"));
        await using var _ = proxy;
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(url, "/metrics", AdminHttp.Bearer(Token)));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(url, "/health/live"));
    }
}
