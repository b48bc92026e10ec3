using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Grains.TestLogins;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The login policy on a two-silo cluster against a real HTTP auth server that counts requests: the decision cache
/// (positive, negative, Auth-Cache-TTL, stale-if-error, changed passwords, local CRAM-MD5), brute-force throttling
/// (per login and address prefix, per prefix, parallel bursts, trusted networks), persistence and the admin calls.
/// </summary>
[Collection(LoginPolicyClusterCollection.Name)]
public sealed class LoginPolicyGrainTests(LoginPolicyClusterFixture fixture)
{
    private const string Backend = "10.0.0.9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LoginAttempt Attempt(AuthHttpEndpoint endpoint, string login, string secret, string clientIp, AuthMethod method = AuthMethod.Plain, string? salt = null) =>
        new(MailProtocol.Imap, method, login, secret, salt, clientIp, 1, null, endpoint);

    /// <summary>A mutable user table, so a test can change a password at the auth server.</summary>
    private static Func<RecordedAuthRequest, AuthReply> Users(ConcurrentDictionary<string, string> users, params (string, string)[] extra) =>
        request => request.Decoded("Auth-User") is { } user && users.TryGetValue(user, out var password) && request.Decoded("Auth-Pass") == password
            ? AuthReply.With([("Auth-Status", "OK"), ("Auth-Server", Backend), ("Auth-Port", "143"), .. extra])
            : AuthReply.Fail("Invalid login or password");

    [Fact]
    public async Task AllowedDecisionIsReusedForTheTtlFromEveryFrontEnd()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "pw" }));
        var address = UniqueAddress();

        for (var i = 0; i < 5; i++)
        {
            var grain = i % 2 == 0 ? fixture.Grain(login) : fixture.GrainFromOtherFrontEnd(login);
            Assert.Equal(LoginDecision.Allow(Backend, 143, login, "pw"), await grain.DecideLogin(Attempt(auth.Endpoint(), login, "pw", address), Ct));
        }

        Assert.Equal(1, auth.RequestCount);
    }

    [Fact]
    public async Task AuthCacheTtlHeaderSetsTheTtlAndZeroMeansDoNotCache()
    {
        var shortLogin = UniqueLogin();
        var neverLogin = UniqueLogin();
        var users = new ConcurrentDictionary<string, string> { [shortLogin] = "pw", [neverLogin] = "pw" };
        await using var auth = await TestAuthServer.StartAsync(request =>
            Users(users, ("Auth-Cache-TTL", request.Decoded("Auth-User") == shortLogin ? "1" : "0"))(request));
        var address = UniqueAddress();

        await fixture.Grain(shortLogin).DecideLogin(Attempt(auth.Endpoint(), shortLogin, "pw", address), Ct);
        await fixture.Grain(shortLogin).DecideLogin(Attempt(auth.Endpoint(), shortLogin, "pw", address), Ct);
        Assert.Equal(1, auth.RequestCount);
        fixture.Time.Advance(TimeSpan.FromSeconds(1.5));
        await fixture.Grain(shortLogin).DecideLogin(Attempt(auth.Endpoint(), shortLogin, "pw", address), Ct);
        Assert.Equal(2, auth.RequestCount);

        for (var i = 0; i < 3; i++)
            Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(neverLogin).DecideLogin(Attempt(auth.Endpoint(), neverLogin, "pw", address), Ct)).Outcome);
        Assert.Equal(5, auth.RequestCount);
    }

    [Fact]
    public async Task AChangedPasswordNeverReusesTheOldDecision()
    {
        var login = UniqueLogin();
        var users = new ConcurrentDictionary<string, string> { [login] = "old password" };
        await using var auth = await TestAuthServer.StartAsync(Users(users));
        var address = UniqueAddress();
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "old password", address), Ct)).Outcome);

        users[login] = "new password";
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "new password", address), Ct)).Outcome);
        // The new password proved at the auth server drops the old one's cached decision: the auth server is asked and refuses.
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "old password", address), Ct)).Outcome);
        Assert.Equal(3, auth.RequestCount);
    }

    [Fact]
    public async Task RefusalIsReusedForTheNegativeTtl()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "pw" }));
        var address = UniqueAddress();

        var first = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "typo", address), Ct);
        var second = await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "typo", address), Ct);
        Assert.Equal(LoginOutcome.Refused, first.Outcome);
        Assert.Equal(first, second);
        Assert.Equal(1, auth.RequestCount);

        fixture.Time.Advance(LoginPolicyClusterFixture.Policy.AuthCacheNegativeTtl + TimeSpan.FromSeconds(0.5));
        // Past the negative TTL, the same address is still refused locally (bruteforce_repeat_window); another asks again.
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "typo", address), Ct)).Outcome);
        Assert.Equal(1, auth.RequestCount);
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "typo", UniqueAddress()), Ct)).Outcome);
        Assert.Equal(2, auth.RequestCount);
        // A phone retrying one stale password counts once.
        var report = await fixture.Admin.ReportAsync(login);
        Assert.All(report.Throttles, t => Assert.Equal(1, t.DistinctFailures));
    }

    [Fact]
    public async Task StaleIfErrorServesOnlyADecisionTheAuthServerMadeForThisSecret()
    {
        var login = UniqueLogin();
        var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "pw" }, ("Auth-Cache-TTL", "1")));
        var address = UniqueAddress();
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "pw", address), Ct)).Outcome);
        fixture.Time.Advance(TimeSpan.FromSeconds(1.5));

        // A timing-out auth server is an outage.
        auth.Handler = _ => AuthReply.Fail("never seen").After(TimeSpan.FromSeconds(5));
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(TimeSpan.FromMilliseconds(300)), login, "pw", address), Ct)).Outcome);

        // So is one that is gone (connection refused at the same URL, the same question).
        var endpoint = auth.Endpoint(TimeSpan.FromSeconds(2));
        await auth.DisposeAsync();
        Assert.Equal(LoginDecision.Allow(Backend, 143, login, "pw"), await fixture.Grain(login).DecideLogin(Attempt(endpoint, login, "pw", address), Ct));
        Assert.Equal(LoginOutcome.TemporaryFailure, (await fixture.Grain(login).DecideLogin(Attempt(endpoint, login, "other", address), Ct)).Outcome);
    }

    [Fact]
    public async Task CramMd5IsVerifiedLocallyAgainstTheCachedPasswordWhenEnabled()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "pw" }));
        var address = UniqueAddress();
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "pw", address), Ct);
        const string salt = "<42.1700000000@mx.example.org>";
        var digest = Convert.ToHexStringLower(HMACMD5.HashData("pw"u8.ToArray(), Encoding.ASCII.GetBytes(salt)));

        var local = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, digest, address, AuthMethod.CramMd5, salt), Ct);
        Assert.Equal(LoginDecision.Allow(Backend, 143, login, "pw"), local);
        Assert.Equal(1, auth.RequestCount);

        // A wrong digest is never refused or allowed locally: the auth server decides.
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, new string('0', 32), address, AuthMethod.CramMd5, salt), Ct);
        Assert.Equal(2, auth.RequestCount);
    }

    [Fact]
    public async Task AParallelBurstOfWrongSecretsReachesTheAuthServerAtMostThresholdTimesAndTheRealUserStillLogsIn()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            (i % 2 == 0 ? fixture.Grain(login) : fixture.GrainFromOtherFrontEnd(login)).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", attacker), Ct)));

        Assert.All(decisions, d => Assert.Equal((LoginOutcome.Refused, "Invalid login or password"), (d.Outcome, d.Message)));
        Assert.Equal(LoginPolicyClusterFixture.Policy.BruteforceLoginThreshold, auth.RequestCount);
        // Escalating delay: the locally refused attempts wait as long as the last refusals did.
        Assert.Equal(TimeSpan.FromSeconds(8), decisions.Max(d => d.Delay));
        // Even the right password is refused from the attacker's address, without asking.
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
        Assert.Equal(5, auth.RequestCount);

        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", UniqueAddress()), Ct)).Outcome);
    }

    [Fact]
    public async Task AnIpv6SlashSixtyFourCountsAsOneAddress()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var prefix = $"2001:db8:{RandomNumberGenerator.GetInt32(65536):x}:1::";

        for (var i = 0; i < 8; i++)
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", prefix + (i + 1)), Ct);

        Assert.Equal(5, auth.RequestCount);
    }

    [Fact]
    public async Task AnAddressSprayingManyLoginsIsThrottledForEveryLogin()
    {
        var logins = Enumerable.Range(0, 6).Select(_ => UniqueLogin()).ToList();
        await using var auth = await TestAuthServer.StartAsync(Users(new(logins.ToDictionary(l => l, _ => "right"))));
        var sprayer = UniqueAddress();

        foreach (var login in logins.Take(5))
            for (var i = 0; i < 4; i++)
                await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", sprayer), Ct);
        Assert.Equal(20, auth.RequestCount);

        var fresh = logins[5];
        Assert.Equal(LoginOutcome.Refused, (await fixture.Grain(fresh).DecideLogin(Attempt(auth.Endpoint(), fresh, "right", sprayer), Ct)).Outcome);
        Assert.Equal(20, auth.RequestCount);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(fresh).DecideLogin(Attempt(auth.Endpoint(), fresh, "right", UniqueAddress()), Ct)).Outcome);

        await fixture.Admin.UnblockAsync(null, sprayer);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(fresh).DecideLogin(Attempt(auth.Endpoint(), fresh, "right", sprayer), Ct)).Outcome);
    }

    [Fact]
    public async Task ATrustedNetworkIsNeverThrottled()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));

        for (var i = 0; i < 10; i++)
        {
            var decision = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", "198.51.100.7"), Ct);
            Assert.Null(decision.Delay);
        }

        Assert.Equal(10, auth.RequestCount);
        Assert.Empty((await fixture.Admin.ReportAsync(login)).Throttles);
    }

    [Fact]
    public async Task ThrottlingSurvivesDeactivationAndUnblockLiftsIt()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();
        for (var i = 0; i < 5; i++)
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", attacker), Ct);

        await fixture.Cluster.DeactivateAsync(fixture.Grain(login));
        Assert.Equal(LoginOutcome.Refused, (await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
        Assert.Equal(5, auth.RequestCount);
        var throttle = Assert.Single((await fixture.Admin.ReportAsync(login)).Throttles);
        Assert.Equal((5, true), (throttle.DistinctFailures, throttle.Throttled));

        await fixture.Admin.UnblockAsync(login, attacker);
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct)).Outcome);
    }

    [Fact]
    public async Task NoSecretIsInThePersistedState()
    {
        var login = UniqueLogin();
        const string secret = "Sup3r-Secret-Passw0rd!";
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }, ("Auth-Pass", "upstream-Secret-9")));
        var address = UniqueAddress();
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, secret, address), Ct);
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", UniqueAddress()), Ct);

        var silo = fixture.Cluster.Silos[0].ServiceProvider;
        var storage = silo.GetRequiredKeyedService<IGrainStorage>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        var state = new GrainState<LoginThrottleState>();
        await storage.ReadStateAsync("throttle", GrainId.Create(UserLoginGrain.GrainTypeName, LoginGrainKey.For(login, LoginCase.Insensitive)), state);
        Assert.Single(state.State!.ByAddressPrefix);

        var bytes = silo.GetRequiredService<Serializer>().SerializeToArray(state.State);
        foreach (var text in new[] { secret, "right", "upstream-Secret-9" })
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)));
        }
    }

    [Fact]
    public async Task FlushOneLoginOrEveryLoginAcrossTheCluster()
    {
        var logins = Enumerable.Range(0, 4).Select(_ => UniqueLogin()).ToList();
        await using var auth = await TestAuthServer.StartAsync(Users(new(logins.ToDictionary(l => l, _ => "pw"))));
        var address = UniqueAddress();
        async Task LoginAllAsync()
        {
            foreach (var login in logins)
                Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "pw", address), Ct)).Outcome);
        }

        await LoginAllAsync();
        await LoginAllAsync();
        Assert.Equal(4, auth.RequestCount);

        await fixture.Admin.FlushAsync(logins[0]);
        await LoginAllAsync();
        Assert.Equal(5, auth.RequestCount);

        Assert.True(await fixture.Admin.FlushAllAsync() >= 4);
        await LoginAllAsync();
        Assert.Equal(9, auth.RequestCount);
    }
}
