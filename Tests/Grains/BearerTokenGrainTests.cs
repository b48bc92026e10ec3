using System.Collections.Concurrent;
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
/// XOAUTH2/OAUTHBEARER logins through the login grains on virtual time, against a real HTTP auth server that knows
/// which tokens are valid: a token is cached by its keyed hash for auth_cache_token_ttl, bounded by Auth-Cache-TTL;
/// wrong tokens are throttled like wrong passwords and keep the auth server's Auth-Error-SASL; no token is persisted.
/// </summary>
[Collection(LoginAttackClusterCollection.Name)]
public sealed class BearerTokenGrainTests(LoginAttackClusterFixture fixture)
{
    private const string Backend = "10.0.0.9";

    /// <summary>RFC 7628 §3.2.2's example error, base64.</summary>
    private const string SaslError = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciIsInNjb3BlIjoiZW1haWwifQ==";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LoginAttempt Attempt(AuthHttpEndpoint endpoint, string login, string token, string clientIp) =>
        new(MailProtocol.Imap, AuthMethod.OAuthBearer, login, token, null, clientIp, 1, null, endpoint);

    /// <summary>OK for a token in <paramref name="tokens"/> (with Auth-Cache-TTL when given), else a refusal with Auth-Error-SASL.</summary>
    private static Func<RecordedAuthRequest, AuthReply> Tokens(ConcurrentDictionary<string, bool> tokens, int? cacheTtlSeconds = null) =>
        request => request["Auth-Method"] == "oauthbearer" && request.Decoded("Auth-Pass") is { } token && tokens.ContainsKey(token)
            ? cacheTtlSeconds is { } ttl
                ? AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", Backend), ("Auth-Port", "143"), ("Auth-Cache-TTL", ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                : AuthReply.Ok(Backend, 143)
            : AuthReply.With(("Auth-Status", "Invalid token"), ("Auth-Error-SASL", SaslError));

    private static string Token() => AuthHttpBearerTests.Token(2048, (char)Random.Shared.Next('a', 'z'));

    [Fact]
    public async Task ATokenIsReusedWithinTheTokenTtlAndAnotherTokenAsksTheAuthServer()
    {
        var login = UniqueLogin();
        var (first, second) = (Token() + "1", Token() + "2");
        await using var auth = await TestAuthServer.StartAsync(Tokens(new() { [first] = true, [second] = true }));
        var address = UniqueAddress();

        var allowed = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, first, address), Ct);
        Assert.Equal(new LoginDecision(LoginOutcome.Allowed, Backend, 143, login, null), allowed);
        fixture.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(allowed, await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, first, address), Ct));
        Assert.Equal(1, auth.RequestCount);

        // Another device's token is another question; it does not end the first token's entry either.
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, second, address), Ct)).Outcome);
        Assert.Equal(allowed, await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, first, address), Ct));
        Assert.Equal(2, auth.RequestCount);

        // auth_cache_token_ttl (60 s by default) is over for the first token.
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, first, address), Ct);
        Assert.Equal(3, auth.RequestCount);
    }

    [Fact]
    public async Task AuthCacheTtlCutsTheTokenTtlButNeverLengthensIt()
    {
        var (shortLogin, longLogin) = (UniqueLogin(), UniqueLogin());
        var token = Token();
        await using var shortAuth = await TestAuthServer.StartAsync(Tokens(new() { [token] = true }, cacheTtlSeconds: 10));
        await using var longAuth = await TestAuthServer.StartAsync(Tokens(new() { [token] = true }, cacheTtlSeconds: 3600));
        var address = UniqueAddress();

        async Task LoginBothAsync()
        {
            Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(shortLogin).DecideLogin(Attempt(shortAuth.Endpoint(), shortLogin, token, address), Ct)).Outcome);
            Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(longLogin).DecideLogin(Attempt(longAuth.Endpoint(), longLogin, token, address), Ct)).Outcome);
        }

        await LoginBothAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(9));
        await LoginBothAsync();
        Assert.Equal((1, 1), (shortAuth.RequestCount, longAuth.RequestCount));
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        await LoginBothAsync();
        Assert.Equal((2, 1), (shortAuth.RequestCount, longAuth.RequestCount));
        // 61 s after the first answer: the token TTL, not the auth server's hour.
        fixture.Time.Advance(TimeSpan.FromSeconds(50));
        await LoginBothAsync();
        Assert.Equal(2, longAuth.RequestCount);
    }

    [Fact]
    public async Task ARepeatedWrongTokenIsRefusedLocallyWithTheAuthServersSaslError()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Tokens(new()));
        var address = UniqueAddress();
        var expired = Token();

        var first = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, expired, address), Ct);
        Assert.Equal((LoginOutcome.Refused, "Invalid token", SaslError, null), (first.Outcome, first.Message, first.SaslError, first.ThrottledBy));
        for (var i = 0; i < 5; i++)
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(5));
            var again = await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, expired, address), Ct);
            Assert.Equal((first.Outcome, first.Message, first.SaslError, first.Delay, "repeated_refusal"), (again.Outcome, again.Message, again.SaslError, again.Delay, again.ThrottledBy));
        }

        Assert.Equal(1, auth.RequestCount);
        var throttle = Assert.Single((await fixture.Admin.ReportAsync(login)).Throttles);
        Assert.Equal((1, false), (throttle.DistinctFailures, throttle.Throttled));
    }

    [Fact]
    public async Task DistinctWrongTokensEscalateAndLockOutLikeWrongPasswords()
    {
        var login = UniqueLogin();
        var right = Token();
        await using var auth = await TestAuthServer.StartAsync(Tokens(new() { [right] = true }));
        var attacker = UniqueAddress();

        var delays = new List<TimeSpan?>();
        for (var i = 0; i < LoginAttackClusterFixture.Policy.BruteforceLoginThreshold; i++)
        {
            var refused = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess-{i}-" + right, attacker), Ct);
            Assert.Equal((LoginOutcome.Refused, SaslError), (refused.Outcome, refused.SaslError));
            delays.Add(refused.Delay);
        }

        // The first one free, then doubling from bruteforce_delay, as for passwords (README "Login policy").
        Assert.Equal([null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)], delays);
        // Past the threshold even the right token is refused locally from there, with the SASL error; elsewhere it works.
        var locked = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, right, attacker), Ct);
        Assert.Equal((LoginOutcome.Refused, "login_threshold", SaslError), (locked.Outcome, locked.ThrottledBy, locked.SaslError));
        Assert.Equal(LoginOutcome.Allowed, (await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, right, UniqueAddress()), Ct)).Outcome);
        Assert.Equal(LoginAttackClusterFixture.Policy.BruteforceLoginThreshold + 1, auth.RequestCount);
        var throttle = Assert.Single((await fixture.Admin.ReportAsync(login)).Throttles);
        Assert.Equal((LoginAttackClusterFixture.Policy.BruteforceLoginThreshold, true), (throttle.DistinctFailures, throttle.Throttled));
    }

    [Fact]
    public async Task NoTokenIsInThePersistedStateOrTheDecisions()
    {
        var login = UniqueLogin();
        var (right, wrong) = (Token() + "-right", Token() + "-wrong");
        await using var auth = await TestAuthServer.StartAsync(Tokens(new() { [right] = true }));
        var refused = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, wrong, UniqueAddress()), Ct);
        var allowed = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, right, UniqueAddress()), Ct);

        var silo = fixture.Cluster.Silos[0].ServiceProvider;
        var storage = silo.GetRequiredKeyedService<IGrainStorage>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        var state = new GrainState<LoginThrottleState>();
        await storage.ReadStateAsync("throttle", GrainId.Create(UserLoginGrain.GrainTypeName, LoginGrainKey.For(login, LoginCase.Insensitive)), state);
        Assert.Equal(SaslError, state.State!.LastRefusalSaslError);
        Assert.Single(state.State.ByAddressPrefix);

        var serializer = silo.GetRequiredService<Serializer>();
        foreach (var bytes in new[] { serializer.SerializeToArray(state.State), serializer.SerializeToArray(refused), serializer.SerializeToArray(allowed) })
        {
            foreach (var token in new[] { right, wrong })
            {
                // Any 64 characters of a token would do to replay it.
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token[^64..])));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(token[^64..])));
            }
        }

        Assert.DoesNotContain(right[^64..], allowed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong[^64..], refused.ToString(), StringComparison.Ordinal);
    }
}
