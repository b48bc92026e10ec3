using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// README "Cluster security", Redis over TLS with a password: a real redis-server that listens only with TLS
/// (certificate from a private test CA, <c>requirepass</c>), and a Silo and a Frontend on it with
/// <c>ssl=true,password=…</c> and <c>Cluster:RedisTlsCa</c>: membership, the gateway list and grain state all go
/// through it. A Silo told to trust another CA refuses the server and fails to start, saying why. The password is never
/// in any output.
/// </summary>
public sealed class RedisTlsTests
{
    private const string Password = "redis-tls-secret-5e21c9";

    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromSeconds(180)).Token;

    private static RedisTls Tls
    {
        get
        {
            var pki = ClusterTestCertificates.Shared;
            return new RedisTls(pki.RedisCertificatePath, pki.RedisKeyPath, pki.RedisCaPath, Password);
        }
    }

    [Fact]
    public async Task ASiloAndAFrontendRunOnATlsRedisWithAPasswordAndAPrivateCa()
    {
        await using var redis = await RedisServer.StartAsync(Tls, Ct);
        await using var auth = await TestAuthServer.StartAsync();
        var cluster = ClusterIdentity.Unique(redis.ConnectionString);
        var trust = new Dictionary<string, string> { ["Cluster:RedisTlsCa"] = ClusterTestCertificates.Shared.RedisCaPath };

        await using var silo = await SiloProcess.StartAsync(cluster, "Silo on TLS Redis", extra: trust);
        await using var frontend = await FrontendProcess.StartAsync(cluster, auth.Url, "Frontend on TLS Redis", extra: trust);
        // A wrong password: the grain asks the auth server (refusing everyone) and writes the failure to its state in Redis.
        var reply = await ClusterImap.RawLoginAsync(frontend, "alice", "wrong-password", "127.0.0.1", Ct);

        Assert.True(reply.StartsWith("a NO ", StringComparison.Ordinal) && !reply.Contains("UNAVAILABLE", StringComparison.Ordinal), $"{reply}\n{silo.App.Diagnostics()}\n{frontend.App.Diagnostics()}");
        Assert.Equal(1, auth.RequestCount);
        Assert.DoesNotContain(Password, silo.App.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, frontend.App.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloTrustingAnotherCaRefusesTheRedisServerAndDoesNotStart()
    {
        await using var redis = await RedisServer.StartAsync(Tls, Ct);
        var cluster = ClusterIdentity.Unique(redis.ConnectionString);
        var wrongTrust = new Dictionary<string, string> { ["Cluster:RedisTlsCa"] = ClusterTestCertificates.Shared.OtherCaPath };

        var refused = await Assert.ThrowsAsync<ServerStartException>(() =>
            SiloProcess.StartAsync(cluster, "Silo trusting another CA for Redis", TimeSpan.FromSeconds(60), wrongTrust));

        // What the process wrote (the message also quotes its configuration file, which holds the password).
        var output = refused.Message[refused.Message.IndexOf(" stdout+stderr ---", StringComparison.Ordinal)..];
        Assert.Contains("refused: it does not chain to Cluster:RedisTlsCa", output, StringComparison.Ordinal);
        Assert.Contains("exited with code", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
    }
}
