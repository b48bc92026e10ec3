using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// The login policy attacked on real processes (Redis, two Silos, two Frontends, Dovecot, an HTTP auth server that
/// logs every request): one address repeating a wrong password against an auth server that answers every failure
/// with <c>Auth-Wait: 3</c>; case variants of one login; guessing spread over 50 addresses. The real user keeps
/// getting in, and the auth server is asked at most what the rules allow.
/// </summary>
public sealed class ClusterAttackTests(TwoSiloClusterFixture fixture) : IClassFixture<TwoSiloClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    [Fact]
    public async Task OneAddressRepeatingAWrongPasswordNeverHoldsUpTheRealUserElsewhere()
    {
        fixture.UseAuth(TestAuthServer.UsersAndPasswords(fixture.Dovecot.Users, fixture.Dovecot.Host, fixture.Dovecot.ImapPort, waitOnFailureSeconds: 3));
        const string attacker = "127.0.0.61";
        const string user = "frank";
        // A running deployment: the user's grain, Dovecot's login processes and the refusal path (the silos' first
        // refusal activates an address grain and writes the throttling state) are warm. The earlier failure comes from
        // a third address, with a password the attacker does not send.
        Assert.Null(await ClusterImap.TryLoginAsync(fixture.FrontendA, user, "frank-password", from: "127.0.0.62", cancellationToken: Ct));
        foreach (var frontend in fixture.Frontends)
            Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(frontend, user, "an-earlier-typo", "127.0.0.60", Ct));
        using var attackTime = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        attackTime.CancelAfter(TimeSpan.FromSeconds(12));
        var refusals = 0;
        var attack = Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            while (!attackTime.IsCancellationRequested)
            {
                try
                {
                    var reply = await ClusterImap.RawLoginAsync(fixture.Frontends[i % 2], user, "wrong-password", attacker, attackTime.Token);
                    Assert.StartsWith("a NO ", reply);
                    Interlocked.Increment(ref refusals);
                }
                catch (OperationCanceledException) when (attackTime.IsCancellationRequested)
                {
                }
            }
        }));

        // Meanwhile the real user logs in from another address every 2 s, through both front ends.
        var logins = new List<TimeSpan>();
        while (!attackTime.IsCancellationRequested)
        {
            var timer = Stopwatch.StartNew();
            var error = await ClusterImap.TryLoginAsync(fixture.Frontends[logins.Count % 2], user, "frank-password", from: "127.0.0.62", cancellationToken: Ct);
            Assert.True(error is null, $"login {logins.Count}: {error}\n{fixture.Diagnostics()}");
            logins.Add(timer.Elapsed);
            // Real time is the point: a user logging in every 2 s on real processes while the attack runs.
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }
        await attack;

        var asked = fixture.AuthLog.Count(r => r.User == user && r.Password == "wrong-password");
        Output?.WriteLine($"{refusals} refusals of the attacker; the auth server asked {asked} times; the real user's logins: {string.Join(", ", logins.Select(t => $"{t.TotalMilliseconds:0} ms"))}");
        Assert.True(logins.Count >= 5, $"{logins.Count} logins");
        Assert.All(logins, t => Assert.True(t < TimeSpan.FromSeconds(1), $"a login of the real user took {t}"));
        // One wrong password, 12 s: the first refusal, and none again within the repeat window. Within its own
        // prefix the Auth-Wait holds cluster-wide, so the attacker's 20 connections get one refusal per Auth-Wait.
        Assert.Equal(1, asked);
        Assert.InRange(refusals, 1, 12 / 3 + 1);
    }

    [Fact]
    public async Task CaseAndSpaceVariantsOfALoginShareOneCountAcrossBothFrontEnds()
    {
        fixture.UseDefaultAuth();
        const string attacker = "127.0.0.63";
        string[] variants = ["Grace", "GRACE", " grace ", "grace", "gRaCe"];
        for (var i = 0; i < variants.Length; i++)
            Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.Frontends[i % 2], variants[i], $"guess-{i}", attacker, Ct));

        // Five distinct wrong passwords for one login: the right one is now refused from there without asking.
        Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.FrontendB, "grace", "grace-password", attacker, Ct));
        var asked = fixture.AuthLog.Where(r => r.User?.Trim().Equals("grace", StringComparison.OrdinalIgnoreCase) == true && r.Request.Decoded("Client-IP") == attacker).ToList();
        // The auth server was told every login exactly as the client sent it.
        Assert.Equal(variants, asked.Select(r => r.User));

        var error = await ClusterImap.TryLoginAsync(fixture.FrontendA, "GRACE", "grace-password", from: "127.0.0.64", cancellationToken: Ct);
        Assert.True(error is null, $"{error}\n{fixture.Diagnostics()}");
    }

    [Fact]
    public async Task GuessingFromFiftyAddressesIsAdmittedOnePerSecondAndTheRealUserGetsIn()
    {
        fixture.UseDefaultAuth();
        const string user = "heidi";
        int AskedWrong() => fixture.AuthLog.Count(r => r.User == user && r.Password != "heidi-password");
        Assert.Null(await ClusterImap.TryLoginAsync(fixture.FrontendA, user, "heidi-password", from: "127.0.0.65", cancellationToken: Ct));

        // 50 addresses, one distinct guess each: the budget of 50 per hour is spent.
        var bots = Enumerable.Range(1, 50).Select(i => $"127.0.1.{i}").ToArray();
        await Task.WhenAll(bots.Select((bot, i) => ClusterImap.RawLoginAsync(fixture.Frontends[i % 2], user, $"first-guess-{i}", bot, Ct)));
        Assert.Equal(50, AskedWrong());

        // The guessing goes on, ten connections at a time, each guess new.
        using var attackTime = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        attackTime.CancelAfter(TimeSpan.FromSeconds(20));
        var guesses = 0;
        var attackStart = Stopwatch.StartNew();
        var attack = Task.WhenAll(Enumerable.Range(0, 10).Select(async c =>
        {
            while (!attackTime.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref guesses);
                try { await ClusterImap.RawLoginAsync(fixture.Frontends[n % 2], user, $"guess-{n}", bots[n % bots.Length], attackTime.Token); }
                catch (OperationCanceledException) when (attackTime.IsCancellationRequested) { }
            }
        }));

        // Past the cache TTL (counted from the auth server's answer), so both logins below are decided afresh.
        var answered = fixture.AuthLog.Last(r => r.User == user && r.Password == "heidi-password").Timestamp;
        var untilExpired = TwoSiloClusterFixture.CacheTtl + TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(answered);
        // Real time is the point: the Silo processes' cache TTL runs on their own clock.
        if (untilExpired > TimeSpan.Zero) await Task.Delay(untilExpired, Ct);

        // From home: never slowed.
        var timer = Stopwatch.StartNew();
        var error = await ClusterImap.TryLoginAsync(fixture.FrontendB, user, "heidi-password", from: "127.0.0.65", cancellationToken: Ct);
        var fromHome = timer.Elapsed;
        Assert.True(error is null, $"{error}\n{fixture.Diagnostics()}");
        Assert.True(fromHome < TimeSpan.FromSeconds(1), $"from home: {fromHome}");

        // From a new network: behind the queue of at most ten bot connections, one turn per second. (The login as
        // another client spells it, so the home login's fresh cache entry is not this question.)
        timer.Restart();
        error = await ClusterImap.TryLoginAsync(fixture.FrontendA, "Heidi", "heidi-password", from: "127.0.0.66", cancellationToken: Ct);
        var fromNew = timer.Elapsed;
        Assert.True(error is null, $"{error}\n{fixture.Diagnostics()}");
        Assert.True(fromNew < TimeSpan.FromSeconds(13), $"from a new network: {fromNew}");

        await attack;
        var seconds = attackStart.Elapsed.TotalSeconds;
        var asked = AskedWrong() - 50;
        var afresh = fixture.AuthLog.Count(r => string.Equals(r.User, user, StringComparison.OrdinalIgnoreCase) && r.Password == "heidi-password") - 1;
        Output?.WriteLine($"{guesses} guesses in {seconds:0.0} s reached the auth server {asked} times; home login {fromHome.TotalMilliseconds:0} ms, new network {fromNew.TotalMilliseconds:0} ms");
        Assert.Equal(2, afresh);
        Assert.True(asked <= seconds + 1, $"{asked} guesses reached the auth server in {seconds:0.0} s");
    }

    [Fact]
    public async Task RepeatsAndLockOutsSurviveTheCrashOfEverySiloThatHeldThem()
    {
        fixture.UseDefaultAuth();
        const string user = "alice";
        const string attacker = "127.0.0.67";
        const string phone = "127.0.0.68";
        int Asked(string from) => fixture.AuthLog.Count(r => r.User == user && r.Request.Decoded("Client-IP") == from);
        for (var i = 0; i < 5; i++)
            Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.Frontends[i % 2], user, $"guess-{i}", attacker, Ct));
        Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.FrontendA, user, "stale-password", phone, Ct));
        Assert.Equal((5, 1), (Asked(attacker), Asked(phone)));

        // Both silos that were up crash in turn (each replaced), so the grain is activated afresh from Redis.
        foreach (var victim in fixture.Silos.ToList())
        {
            await victim.App.KillAsync();
            var killed = Stopwatch.StartNew();
            string? error;
            while ((error = await ClusterImap.TryLoginAsync(fixture.FrontendB, user, "alice-password", from: "127.0.0.69", cancellationToken: Ct)) is not null
                   && killed.Elapsed < TimeSpan.FromSeconds(45))
                await Task.Delay(250, Ct);
            Assert.True(error is null, $"no login within 45 s of the kill: {error}\n{fixture.Diagnostics()}");
            await fixture.StartSiloAsync($"Silo after {victim.App.Name}");
        }

        // Still locked out from the attacker's address, and the phone's stale password still refused locally.
        Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.FrontendA, user, "alice-password", attacker, Ct));
        Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(fixture.FrontendB, user, "stale-password", phone, Ct));
        Assert.Equal((5, 1), (Asked(attacker), Asked(phone)));
    }
}
