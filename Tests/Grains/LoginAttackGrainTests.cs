using System.Collections.Concurrent;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Grains.TestLogins;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The login policy as an attacker meets it, on a two-silo cluster with a real HTTP auth server that answers every
/// failure with <c>Auth-Wait: 3</c> and counts requests, on virtual time: an Auth-Wait holds only the prefix that
/// earned it; a repeated wrong password reaches the auth server once per window; guessing from many prefixes is
/// admitted one per second past the budget while known prefixes are never slowed; one login, one key; a decision is
/// reused only for the same question.
/// </summary>
[Collection(LoginAttackClusterCollection.Name)]
public sealed class LoginAttackGrainTests(LoginAttackClusterFixture fixture)
{
    private const string Backend = "10.0.0.9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static LoginAttempt Attempt(AuthHttpEndpoint endpoint, string login, string secret, string clientIp, TlsFacts? tls = null) =>
        new(MailProtocol.Imap, AuthMethod.Plain, login, secret, null, clientIp, 1, tls, endpoint);

    /// <summary>Users and passwords; every failure carries Auth-Wait: 3, as the deployment example tells operators to do.</summary>
    internal static Func<RecordedAuthRequest, AuthReply> Users(ConcurrentDictionary<string, string> users) =>
        request => request.Decoded("Auth-User") is { } user && users.TryGetValue(user.Trim().ToLowerInvariant(), out var password) && request.Decoded("Auth-Pass") == password
            ? AuthReply.Ok(Backend, 143)
            : AuthReply.Fail("Invalid login or password", waitSeconds: 3);

    private void Advance(TimeSpan by) => fixture.Time.Advance(by);

    [Fact]
    public async Task AnAuthWaitHoldsOnlyThePrefixThatEarnedItOnEveryFrontEnd()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();

        var refused = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "wrong", attacker), Ct);
        Assert.Equal((LoginOutcome.Refused, TimeSpan.FromSeconds(3)), (refused.Outcome, refused.Wait));

        // The attacker's prefix waits, through either front end, without the auth server being asked.
        Assert.Equal(LoginOutcome.RetryLater, (await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
        // The real user elsewhere, and a trusted network, are not held at all.
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", UniqueAddress()), Ct)).Outcome);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", "198.51.100.7"), Ct)).Outcome);
        // The trusted network's login hit the decision cache (the client address is not part of the question by default).
        Assert.Equal(2, auth.RequestCount);

        var wait = Assert.Single((await fixture.Admin.ReportAsync(login)).AuthWaits);
        Assert.Equal(attacker + "/32", wait.AddressPrefix);
        Advance(TimeSpan.FromSeconds(3));
        Assert.Empty((await fixture.Admin.ReportAsync(login)).AuthWaits);
    }

    [Fact]
    public async Task ARepeatedWrongPasswordReachesTheAuthServerOncePerWindowAndNeverLocksOut()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var phone = UniqueAddress();

        var first = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "stale", phone), Ct);
        for (var i = 0; i < 30; i++)
        {
            Advance(TimeSpan.FromSeconds(3)); // each retry after its Auth-Wait, 90 s in all
            var again = await (i % 2 == 0 ? fixture.Grain(login) : fixture.GrainFromOtherFrontEnd(login)).DecideLogin(Attempt(auth.Endpoint(), login, "stale", phone), Ct);
            // Same reply, same Auth-Wait, same delay as the auth server's own refusal.
            Assert.Equal((first.Outcome, first.Message, first.Wait, first.Delay), (again.Outcome, again.Message, again.Wait, again.Delay));
        }

        // 90 s of retries: the first call and one after the 60 s window.
        Assert.Equal(2, auth.RequestCount);
        var throttle = Assert.Single((await fixture.Admin.ReportAsync(login)).Throttles);
        Assert.Equal((1, false), (throttle.DistinctFailures, throttle.Throttled));

        // A phone with a stale password is never locked out: the right one still works from there.
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", phone), Ct)).Outcome);
    }

    [Fact]
    public async Task DistinctWrongPasswordsStillLockThePrefixOutAndRepeatsSurviveDeactivation()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();

        for (var i = 0; i < 5; i++)
        {
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", attacker), Ct);
            Advance(TimeSpan.FromSeconds(3));
        }
        Assert.Equal(5, auth.RequestCount);
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
        Assert.Equal(5, auth.RequestCount);

        // Another prefix's repeat survives the grain's deactivation (persisted with the throttling state).
        var phone = UniqueAddress();
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "stale", phone), Ct);
        await fixture.Cluster.DeactivateAsync(fixture.Grain(login));
        Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(LoginOutcome.Refused, (await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "stale", phone), Ct)).Outcome);
        Assert.Equal(6, auth.RequestCount);
    }

    [Fact]
    public async Task CaseAndSpaceVariantsOfALoginShareOneCount()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();
        string[] variants = [login.ToUpperInvariant(), login, " " + login + " ", char.ToUpperInvariant(login[0]) + login[1..]];

        for (var i = 0; i < 5; i++)
        {
            var variant = variants[i % variants.Length];
            await fixture.Grain(variant).DecideLogin(Attempt(auth.Endpoint(), variant, $"guess {i}", attacker), Ct);
            Advance(TimeSpan.FromSeconds(3));
        }

        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
        Assert.Equal(5, auth.RequestCount);
        // The auth server was told each login exactly as the client sent it.
        Assert.Equal(variants.Concat([variants[0]]).Take(5), auth.Requests.Select(r => r.Decoded("Auth-User")));
    }

    [Fact]
    public async Task PastTheGuessingBudgetUnknownPrefixesAreAdmittedOnePerSecondAndKnownOnesNeverWait()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var home = UniqueAddress();
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct)).Outcome);

        // A botnet: one distinct guess from each of 10 prefixes spends the budget of 10.
        for (var i = 0; i < 10; i++)
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", UniqueAddress()), Ct);
        Assert.True((await fixture.Admin.ReportAsync(login)).Guessing.Slowed);
        Assert.Equal(11, auth.RequestCount);

        // Five more bots at once: one reaches the auth server, the others get turns one second apart.
        var bots = Enumerable.Range(0, 5).Select(i => Attempt(auth.Endpoint(), login, $"bot {i}", UniqueAddress())).ToList();
        var burst = await Task.WhenAll(bots.Select(bot => fixture.Grain(login).DecideLogin(bot, Ct)));
        Assert.Equal(1, burst.Count(d => d.Outcome == LoginOutcome.Refused));
        Assert.Equal([1, 2, 3, 4], burst.Where(d => d.Outcome == LoginOutcome.RetryLater).Select(d => d.Wait!.Value.TotalSeconds).Order());
        Assert.Equal(12, auth.RequestCount);

        // A bot that comes back early waits on; at its turn it goes, whichever front end it comes through.
        var second = bots[Array.FindIndex(burst, d => d.Wait == TimeSpan.FromSeconds(1))];
        Assert.Equal(LoginOutcome.RetryLater, (await fixture.Grain(login).DecideLogin(second, Ct)).Outcome);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LoginOutcome.Refused, (await fixture.GrainFromOtherFrontEnd(login).DecideLogin(second, Ct)).Outcome);
        Assert.Equal(13, auth.RequestCount);

        // The real user at home is never slowed, even with the cache cold; on a new network, gets in at the next turn.
        await fixture.Admin.FlushAsync(login);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct)).Outcome);
        Assert.Equal(14, auth.RequestCount);
        await fixture.Admin.FlushAsync(login);
        // Behind the three bots still queued (turns at +1, +2, +3 s from now), then in.
        var newNetwork = Attempt(auth.Endpoint(), login, "right", UniqueAddress());
        var queued = await fixture.Grain(login).DecideLogin(newNetwork, Ct);
        Assert.Equal((LoginOutcome.RetryLater, TimeSpan.FromSeconds(4)), (queued.Outcome, queued.Wait));
        Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(newNetwork, Ct)).Outcome);

        // The admin API shows and resets it.
        var report = (await fixture.Admin.ReportAsync(login)).Guessing;
        Assert.Equal((12, 10, true, 2), (report.DistinctFailures, report.Budget, report.Slowed, report.KnownPrefixes));
        await fixture.Admin.UnblockAsync(login, null);
        Assert.False((await fixture.Admin.ReportAsync(login)).Guessing.Slowed);
    }

    [Fact]
    public async Task KnownPrefixesSurviveDeactivationAndExpire()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var home = UniqueAddress();
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct);
        for (var i = 0; i < 11; i++)
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", UniqueAddress()), Ct);
        await fixture.Cluster.DeactivateAsync(fixture.Grain(login));

        // Still known after the deactivation: not slowed although the bot just took the turn.
        Assert.Equal(LoginOutcome.Allowed, (await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct)).Outcome);

        // 31 days later the guesses have left the budget window too, so nobody is slowed either way.
        Advance(TimeSpan.FromDays(31));
        var report = (await fixture.Admin.ReportAsync(login)).Guessing;
        Assert.Equal((0, false, 0), (report.DistinctFailures, report.Slowed, report.KnownPrefixes));
    }

    [Fact]
    public async Task ADecisionIsReusedOnlyForTheSameQuestion()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var address = UniqueAddress();
        var implicitTls = new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384");
        var startTls = implicitTls with { StartTls = true };

        async Task Ask(AuthHttpEndpoint endpoint, TlsFacts? tls) =>
            Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(endpoint, login, "right", address, tls), Ct)).Outcome);

        await Ask(auth.Endpoint(), implicitTls);
        await Ask(auth.Endpoint(), implicitTls);
        Assert.Equal(1, auth.RequestCount);
        // Over TLS never reused in plaintext, nor across STARTTLS and implicit TLS, nor another auth_http URL or headers.
        await Ask(auth.Endpoint(), null);
        await Ask(auth.Endpoint(), startTls);
        await Ask(auth.Endpoint(extraHeaders: ("X-Tenant", "b")), implicitTls);
        await Ask(auth.Endpoint() with { Url = auth.Url + "?listener=2" }, implicitTls);
        Assert.Equal(5, auth.RequestCount);
        await Ask(auth.Endpoint(), null);
        await Ask(auth.Endpoint(), startTls);
        Assert.Equal(5, auth.RequestCount);
    }

    [Fact]
    public async Task ExternalLoginsOfTwoCertificatesAreDecidedApart()
    {
        await using var auth = await TestAuthServer.StartAsync(request =>
            request.Decoded("Auth-SSL-Fingerprint") == "aa" ? AuthReply.Ok(Backend, 143, "cert-a", "pw") : AuthReply.Fail("unknown certificate", waitSeconds: 3));
        LoginAttempt External(string fingerprint) =>
            new(MailProtocol.Imap, AuthMethod.External, "", "", null, "192.0.2.10", 1, new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "SUCCESS", Fingerprint: fingerprint), auth.Endpoint());
        IUserLoginGrain For(LoginAttempt attempt) => fixture.Cluster.Client.GetGrain<IUserLoginGrain>(LoginGrainKey.For(attempt, LoginCase.Insensitive));

        var refused = await For(External("bb")).DecideLogin(External("bb"), Ct);
        Assert.Equal(LoginOutcome.Refused, refused.Outcome);
        // The other certificate, from the same address, is not held by the refused one's Auth-Wait.
        Assert.Equal(LoginOutcome.Allowed, (await For(External("aa")).DecideLogin(External("aa"), Ct)).Outcome);
    }
}
