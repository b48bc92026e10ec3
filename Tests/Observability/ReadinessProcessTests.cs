using System.Globalization;
using System.Net;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// Readiness of the real Frontend process, started as operators start it (<c>Frontend.dll -p PREFIX -c FILE</c>, with
/// <c>health_listen</c>): <c>/health/ready</c> is never 200 before the pid file exists (503, or the port not open yet),
/// 200 once it does; on SIGTERM it answers 503 at once while a relayed session drains (the HTTP port stays open
/// until the sessions are gone), and <c>/health/live</c> answers 200 throughout.
/// </summary>
public sealed class ReadinessProcessTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Task<HttpStatusCode?> StatusAsync(string url) => HealthProbe.StatusAsync(url, Timeout);

    [Fact]
    public async Task ReadyOnlyOnceAcceptingAndNotReadyWhileSessionsDrainOnTerm()
    {
        await using var dovecot = await DovecotServer.StartAsync(("alice", "alice-password"));
        await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(dovecot.Users, dovecot.Host, dovecot.ImapPort));
        var directory = ServerProcess.CreateTempDirectory("orleansmail-ready-");
        var ports = ServerProcess.GetFreeTcpPorts(4);
        var (imap, health) = (ports[0], ports[1]);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"),
            $"pid run/orleansmail.pid;\nhealth_listen 127.0.0.1:{P(health)};\nworker_shutdown_timeout 60s;\n" +
            $"cluster_silo_port {P(ports[2])};\ncluster_gateway_port {P(ports[3])};\ncluster_id ready-{Guid.NewGuid():N};\n" +
            $"mail {{\n    auth_http {auth.Url};\n    server {{\n        listen 127.0.0.1:{P(imap)};\n        protocol imap;\n    }}\n}}\n", Timeout);
        var pidFile = Path.Combine(directory, "run", "orleansmail.pid");
        var ready = $"http://127.0.0.1:{P(health)}/health/ready";
        var live = $"http://127.0.0.1:{P(health)}/health/live";

        await using var app = DotnetAppProcess.StartWithArguments("Frontend", "frontend readiness", ServerProcess.CreateTempDirectory("orleansmail-ready-run-"),
            Path.Combine(directory, "nginx.conf"), "-p", directory, "-c", "nginx.conf");
        var before = new List<HttpStatusCode?>();
        await app.WaitUntilAsync(async _ =>
        {
            var status = await StatusAsync(ready);
            // The pid file is written before the host reports itself started: a 200 implies it exists.
            var written = File.Exists(pidFile);
            if (status == HttpStatusCode.OK) Assert.True(written, $"/health/ready answered 200 before the pid file existed\n{app.Diagnostics()}");
            if (!written) before.Add(status);
            return written;
        }, TimeSpan.FromSeconds(90), "the pid file", Timeout);
        Assert.All(before, status => Assert.True(status is null or HttpStatusCode.ServiceUnavailable, $"before the pid file: {status}"));
        await app.WaitUntilAsync(async _ => await StatusAsync(ready) == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "200 from /health/ready", Timeout);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(live));

        // A relayed session, held open across the stop.
        await using var session = await LineClient.ConnectAsync(imap);
        Assert.Equal(Cluster.FrontendProcess.Greeting, await session.ReadLineAsync());
        await session.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.StartsWith("a OK", (await session.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", P(app.Id)])) await kill.WaitForExitAsync(Timeout);
        await app.WaitUntilAsync(async _ => await StatusAsync(ready) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5), "503 from /health/ready after TERM", Timeout);
        // Still draining: the session goes on, the process runs, the HTTP port answers.
        await session.SendAsync("b NOOP\r\n");
        Assert.StartsWith("b OK", (await session.ReadUntilAsync("b "))[^1], StringComparison.Ordinal);
        Assert.False(app.HasExited, app.Diagnostics());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(ready));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(live));

        await session.SendAsync("c LOGOUT\r\n");
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(await StatusAsync(ready));
        await ServerProcess.DeleteDirectoryAsync(directory);
    }
}
