using System.Globalization;
using System.Net;
using OrleansMail.Tests.Cluster;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// A Frontend that is a client of a Redis cluster is ready only while connected to a gateway: its
/// <c>/health/ready</c> answers 200 with the one silo up, 503 once that silo is killed (the client has lost every
/// gateway), while <c>/health/live</c> stays 200 (the process itself is fine: no restart).
/// </summary>
public sealed class ClusterClientReadinessTests
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private static async Task<HttpStatusCode> StatusAsync(string url)
    {
        using var response = await Http.GetAsync(url, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task NotReadyOnceTheClusterIsGoneButStillLive()
    {
        await using var redis = await RedisServer.StartAsync(Ct);
        var cluster = ClusterIdentity.Unique(redis.ConnectionString);
        await using var auth = await TestAuthServer.StartAsync();
        var silo = await SiloProcess.StartAsync(cluster);
        await using var frontend = await FrontendProcess.StartAsync(cluster, auth.Url);
        var health = $"http://127.0.0.1:{frontend.HealthPort.ToString(CultureInfo.InvariantCulture)}";
        await frontend.App.WaitUntilAsync(async _ => await StatusAsync(health + "/health/ready") == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready", Ct);

        await silo.App.KillAsync();
        await silo.DisposeAsync();
        await frontend.App.WaitUntilAsync(async _ => await StatusAsync(health + "/health/ready") == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(60), "503 from /health/ready with no gateway left", Ct);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(health + "/health/live"));
    }
}
