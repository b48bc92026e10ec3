using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// README "LoginPolicy" on real processes (Redis, two Silos, two Frontends, Dovecot, an HTTP auth server that
/// counts): the decision cache and brute-force throttling hold for the whole cluster, whichever front end a client
/// reaches.
/// </summary>
public sealed class ClusterLoginPolicyTests(TwoSiloClusterFixture fixture) : IClassFixture<TwoSiloClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RepeatedLoginsThroughBothFrontEndsAskTheAuthServerOncePerTtl()
    {
        fixture.UseDefaultAuth();
        int AskedForBob() => fixture.AuthLog.Count(r => r.User == "bob");
        var before = AskedForBob();
        var first = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            var error = await ClusterImap.TryLoginAsync(fixture.Frontends[i % 2], "bob", "bob-password", cancellationToken: Ct);
            Assert.True(error is null, $"login {i}: {error}\n{fixture.Diagnostics()}");
        }

        Assert.True(first.Elapsed < TwoSiloClusterFixture.CacheTtl, $"the logins took {first.Elapsed}, longer than the TTL");
        Assert.Equal(1, AskedForBob() - before);

        // Past the TTL (counted from the auth server's answer) the auth server is asked again, once.
        var answered = fixture.AuthLog.Last(r => r.User == "bob").Timestamp;
        var expired = TwoSiloClusterFixture.CacheTtl + TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(answered);
        // Real time is the point: the Silo processes' cache TTL runs on their own clock.
        if (expired > TimeSpan.Zero) await Task.Delay(expired, Ct);
        Assert.Null(await ClusterImap.TryLoginAsync(fixture.FrontendB, "bob", "bob-password", cancellationToken: Ct));
        Assert.Null(await ClusterImap.TryLoginAsync(fixture.FrontendA, "bob", "bob-password", cancellationToken: Ct));
        Assert.Equal(2, AskedForBob() - before);
    }

    [Fact]
    public async Task ABruteForceSpreadOverBothFrontEndsReachesTheAuthServerOnlyUpToTheThreshold()
    {
        fixture.UseDefaultAuth();
        const string attacker = "127.0.0.66";
        const int attempts = 1000;
        var replies = new ConcurrentBag<string>();
        var next = -1;
        var timer = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < attempts)
                replies.Add(await ClusterImap.RawLoginAsync(fixture.Frontends[i % 2], "carol", $"guess-{i}", attacker, Ct));
        }));
        TestContext.Current.TestOutputHelper?.WriteLine($"{attempts} wrong passwords in {timer.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(attempts, replies.Count);
        Assert.All(replies, reply => Assert.StartsWith("a NO ", reply));
        var asked = fixture.AuthLog.Count(r => r.User == "carol" && r.Request.Decoded("Client-IP") == attacker);
        Assert.Equal(5, asked);

        // The real user, from another address, is not locked out.
        var error = await ClusterImap.TryLoginAsync(fixture.FrontendA, "carol", "carol-password", from: "127.0.0.7", cancellationToken: Ct);
        Assert.True(error is null, $"{error}\n{fixture.Diagnostics()}");
    }

    [Fact]
    public async Task TheSessionLimitHoldsAcrossBothFrontEnds()
    {
        fixture.UseDefaultAuth();
        using var first = await ClusterImap.LoginAsync(fixture.FrontendA, "erin", "erin-password", cancellationToken: Ct);
        using var second = await ClusterImap.LoginAsync(fixture.FrontendB, "erin", "erin-password", from: "127.0.0.8", cancellationToken: Ct);

        // A third session, on either front end and from any address, is over session_limit_per_login = 2.
        foreach (var frontend in fixture.Frontends)
        {
            var reply = await ClusterImap.RawLoginAsync(frontend, "erin", "erin-password", "127.0.0.9", Ct);
            Assert.StartsWith("a NO [UNAVAILABLE] Maximum number of connections for user exceeded", reply);
        }

        // One ends: its slot is free again within moments (released as the session closes, not left to expire).
        await second.DisconnectAsync(quit: true, Ct);
        var released = Stopwatch.StartNew();
        string? error;
        while ((error = await ClusterImap.TryLoginAsync(fixture.FrontendA, "erin", "erin-password", from: "127.0.0.9", cancellationToken: Ct)) is not null
               && released.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(100, Ct);
        Assert.True(error is null, $"{error}\n{fixture.Diagnostics()}");
        await first.NoOpAsync(Ct);
    }
}
