using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// The pid file as the readiness signal (README "Running from an nginx configuration file") for a Frontend that is an
/// Orleans client of a Redis cluster (a real Silo process): started from an nginx file, its pid file appears only once
/// the client has connected and the listener accepts, so a supervisor that connects at that moment gets the greeting
/// and a login decided through the cluster, on each of 5 starts.
/// </summary>
public sealed class NginxClientReadinessTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task AClusterClientWritesItsPidFileOnlyOnceConnectedAndAccepting()
    {
        var directory = ServerProcess.CreateTempDirectory("orleansmail-client-ready-");
        var port = ServerProcess.GetFreeTcpPorts(1)[0];
        var cluster = fixture.Cluster;
        var pki = ClusterTestCertificates.Shared;
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"),
            $"pid run/orleansmail.pid;\ncluster_mode Redis;\ncluster_redis {cluster.Redis};\ncluster_service_id {cluster.ServiceId};\ncluster_id {cluster.ClusterId};\n" +
            $"cluster_tls_certificate {pki.MemberCertificatePath};\ncluster_tls_key {pki.MemberKeyPath};\ncluster_tls_ca {pki.CaPath};\n" +
            $"mail {{\n    auth_http {fixture.Auth.Url};\n    server {{\n        listen 127.0.0.1:{P(port)};\n        protocol imap;\n    }}\n}}\n", Timeout);
        var pidFile = Path.Combine(directory, "run", "orleansmail.pid");

        for (var start = 1; start <= 5; start++)
        {
            await using var app = DotnetAppProcess.StartWithArguments("Frontend", $"frontend client start {start}", ServerProcess.CreateTempDirectory("orleansmail-client-run-"),
                Path.Combine(directory, "nginx.conf"), "-p", directory, "-c", "nginx.conf");
            await app.WaitUntilAsync(_ => Task.FromResult(File.Exists(pidFile)), TimeSpan.FromSeconds(90), "the pid file", Timeout);
            await using (var client = await LineClient.ConnectAsync(port))
            {
                Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
                await client.SendAsync("a LOGIN alice wrong-password\r\n");
                var reply = await client.ReadLineAsync(TimeSpan.FromSeconds(30));
                Assert.True(reply is not null && reply.StartsWith("a NO ", StringComparison.Ordinal) && !reply.Contains("UNAVAILABLE", StringComparison.Ordinal), $"start {start}: {reply}\n{app.Diagnostics()}");
            }
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", P(app.Id)])) await kill.WaitForExitAsync(Timeout);
            Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.False(File.Exists(pidFile), $"start {start}: the pid file is removed at exit");
        }
        await ServerProcess.DeleteDirectoryAsync(directory);
    }
}
