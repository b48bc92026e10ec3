using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// OTLP export of the real Frontend process (embedded silo): with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> pointing at an
/// in-test collector and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>, a login sends <c>/v1/traces</c> (Orleans' spans
/// of the login's grain, their grain keys redacted; the whole login trace is <see cref="TracePropagationTests"/>'s) and <c>/v1/metrics</c> (OrleansMail's and Orleans' meters) under the
/// service name, and nothing to <c>/v1/logs</c> (log lines name logins and addresses).
/// </summary>
public sealed class OtlpExportTests
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [Fact]
    public async Task ALoginSendsTracesAndMetricsOverOtlpHttp()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password"));
        var ports = ServerProcess.GetFreeTcpPorts(3);
        await using var app = DotnetAppProcess.StartWithEnvironment("Frontend", new Dictionary<string, string>
        {
            ["Mail:AuthHttp"] = auth.Url,
            ["Mail:Servers:0:Listen"] = $"127.0.0.1:{ports[0].ToString(CultureInfo.InvariantCulture)}",
            ["Mail:Servers:0:Protocol"] = "imap",
            ["Cluster:SiloPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
        }, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        }, "frontend otlp");
        await app.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ports[0], null, ct) == Cluster.FrontendProcess.Greeting, TimeSpan.FromSeconds(60), "the greeting", Ct);

        await using (var client = await LineClient.ConnectAsync(ports[0]))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN alice wrong-password\r\n");
            Assert.StartsWith("a NO", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
        }

        // Metrics every second (OTEL_METRIC_EXPORT_INTERVAL), spans within 200 ms (OTEL_BSP_SCHEDULE_DELAY).
        await app.WaitUntilAsync(_ => Task.FromResult(collector.Received("/v1/metrics", "http.client.request.duration") && collector.Received("/v1/traces", "IGrainDirectoryPartition/RegisterAsync")),
            TimeSpan.FromSeconds(30), "the login's metrics and spans at the collector", Ct);
        await app.StopAsync(TimeSpan.FromSeconds(30));
        // Orleans' spans of the login's grain activation (directory registration of userlogin/…).
        Assert.True(collector.Received("/v1/traces", "Microsoft.Orleans.Runtime") && collector.Received("/v1/traces", "IGrainDirectoryPartition/RegisterAsync"), "Orleans' spans: " + Received(collector));
        // OrleansMail's, Orleans' and HttpClient's meters (the auth_http request's duration).
        foreach (var instrument in new[] { "orleansmail.ready", "orleans-grains", "http.client.request.duration" })
            Assert.True(collector.Received("/v1/metrics", instrument), instrument + " in: " + Received(collector));
        Assert.True(collector.Received("/v1/traces", "orleansmail-frontend"), "service.name of the resource");
        // Orleans' spans name the grains they reach, but never by a login (GrainKeyRedaction).
        Assert.True(collector.Received("/v1/traces", "orleans.rpc.target_id"));
        Assert.False(collector.Received("/v1/traces", "alice"), "a span carries the login");
        Assert.All(collector.Requests, r => Assert.Contains(r.Path, new[] { "/v1/traces", "/v1/metrics" }));
    }

    private static string Received(OtlpReceiver collector) => string.Join("\n", collector.Requests
        .Select(r => r.Path + ": " + new string(System.Text.Encoding.UTF8.GetString(r.Body).Select(c => char.IsControl(c) ? ' ' : c).ToArray())));
}
