using System.Globalization;
using System.Net;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// The Silo process's HTTP port (<c>Health:Urls</c>): <c>/health/live</c>, <c>/health/ready</c> (an active member of
/// the cluster) and the older <c>/health</c> answer 200 once it has joined; <c>/metrics</c> needs the admin token and
/// then shows Orleans' and the runtime's meters and <c>orleansmail_ready 1</c>.
/// </summary>
public sealed class SiloHealthTests
{
    private const string Token = "silo-health-admin-token-0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnActiveSiloIsLiveAndReadyAndServesMetricsWithTheToken()
    {
        await using var redis = await RedisServer.StartAsync(Ct);
        await using var silo = await SiloProcess.StartAsync(ClusterIdentity.Unique(redis.ConnectionString), extra: new Dictionary<string, string> { ["Admin:Token"] = Token });
        var url = $"http://127.0.0.1:{silo.HealthPort.ToString(CultureInfo.InvariantCulture)}";
        using var anonymous = AdminHttp.Create(url, null);
        foreach (var path in new[] { "/health/live", "/health/ready", "/health" })
        {
            using var response = await anonymous.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using (var refused = await anonymous.GetAsync("/metrics", Ct)) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var admin = AdminHttp.Create(url, AdminHttp.Bearer(Token));
        var scrape = await admin.GetStringAsync("/metrics", Ct);
        Assert.Contains("orleansmail_ready{otel_scope_name=\"OrleansMail\"} 1", scrape, StringComparison.Ordinal);
        Assert.Contains("orleans_consistent_ring_size{", scrape, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", scrape, StringComparison.Ordinal);
        Assert.Contains("target_info{service_name=\"orleansmail-silo\"", scrape, StringComparison.Ordinal);
    }
}
