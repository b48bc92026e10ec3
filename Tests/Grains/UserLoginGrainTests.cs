using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// <see cref="IUserLoginGrain"/> on a real cluster against a real HTTP auth server: every request header sent,
/// every reply header acted on, and Auth-Wait shared across callers (src/mail/ngx_mail_auth_http_module.c).
/// </summary>
[Collection(LoginClusterCollection.Name)]
public sealed class UserLoginGrainTests(LoginClusterFixture fixture)
{
    private static string UniqueLogin(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.org";

    private IUserLoginGrain Grain(string login) => fixture.Cluster.Client.GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));

    /// <summary>A second front end: a grain factory inside the other silo.</summary>
    private IUserLoginGrain GrainFromOtherFrontEnd(string login) =>
        fixture.Cluster.Silos[^1].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));

    private static LoginAttempt Attempt(
        AuthHttpEndpoint endpoint, string login, string secret = "secret", MailProtocol protocol = MailProtocol.Imap,
        AuthMethod method = AuthMethod.Plain, string? salt = null, TlsFacts? tls = null, int attemptNumber = 1, string clientIp = "192.0.2.44") =>
        new(protocol, method, login, secret, salt, clientIp, attemptNumber, tls, endpoint);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PlainImapLoginSendsEveryHeaderAndIsAllowed()
    {
        var login = UniqueLogin("alice");
        await using var auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(new Dictionary<string, string> { [login] = "s3cr et%" }, "10.0.0.9", 1143));

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(null, ("X-Auth-Key", "k e y"), ("X-Other", "2")), login, "s3cr et%", attemptNumber: 3), Ct);

        Assert.Equal(LoginDecision.Allow("10.0.0.9", 1143, login, "s3cr et%"), decision);
        var r = Assert.Single(auth.Requests);
        Assert.Equal(("GET", "/auth", "HTTP/1.1"), (r.Method, r.Path, r.Protocol));
        Assert.Equal(auth.BaseUrl["http://".Length..], r["Host"]);
        Assert.Equal("plain", r["Auth-Method"]);
        Assert.Equal(login, r["Auth-User"]);
        Assert.Equal("s3cr%20et%25", r["Auth-Pass"]);
        Assert.Equal("s3cr et%", r.Decoded("Auth-Pass"));
        Assert.False(r.Has("Auth-Salt"));
        Assert.Equal("imap", r["Auth-Protocol"]);
        Assert.Equal("3", r["Auth-Login-Attempt"]);
        Assert.Equal("192.0.2.44", r["Client-IP"]);
        Assert.False(r.Has("Auth-SSL"));
        Assert.False(r.Has("Auth-SSL-Protocol"));
        Assert.Equal("k e y", r["X-Auth-Key"]);
        Assert.Equal("2", r["X-Other"]);
    }

    [Theory]
    [InlineData(AuthMethod.Plain, MailProtocol.Imap, "plain", "imap", false)]
    [InlineData(AuthMethod.Apop, MailProtocol.Pop3, "apop", "pop3", true)]
    [InlineData(AuthMethod.CramMd5, MailProtocol.Smtp, "cram-md5", "smtp", true)]
    [InlineData(AuthMethod.External, MailProtocol.Imap, "external", "imap", false)]
    [InlineData(AuthMethod.None, MailProtocol.Smtp, "none", "smtp", false)]
    public async Task MethodProtocolAndSaltOnlyForChallengeMethods(AuthMethod method, MailProtocol protocol, string methodText, string protocolText, bool salted)
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync();

        await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, method == AuthMethod.External ? "" : "0123456789abcdef0123456789abcdef", protocol, method, "<42.1700000000@mx.example.org>"), Ct);

        var r = Assert.Single(auth.Requests);
        Assert.Equal(methodText, r["Auth-Method"]);
        Assert.Equal(protocolText, r["Auth-Protocol"]);
        Assert.Equal(salted ? "<42.1700000000@mx.example.org>" : null, r["Auth-Salt"]);
        Assert.True(r.Has("Auth-Pass"));
    }

    [Fact]
    public async Task EmptyLoginAndPasswordAreStillSent()
    {
        await using var auth = await TestAuthServer.StartAsync();

        await Grain("").DecideLogin(Attempt(auth.Endpoint(), "", "", method: AuthMethod.External, clientIp: "203.0.113." + Random.Shared.Next(1, 250)), Ct);

        var r = auth.Requests.Single();
        Assert.Equal("", r["Auth-User"]);
        Assert.Equal("", r["Auth-Pass"]);
    }

    [Fact]
    public async Task TlsFactsBecomeAuthSslHeaders()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync();
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
        var tls = new TlsFacts("TLSv1.3", "TLS_AES_256_GCM_SHA384", "FAILED:unable to get issuer", "CN=alice,O=Example", "CN=Example CA", "3A0F", "0a1b2c3d4e5f", pem);

        await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, tls: tls), Ct);

        var r = Assert.Single(auth.Requests);
        Assert.Equal("on", r["Auth-SSL"]);
        Assert.Equal("TLSv1.3", r["Auth-SSL-Protocol"]);
        Assert.Equal("TLS_AES_256_GCM_SHA384", r["Auth-SSL-Cipher"]);
        Assert.Equal("FAILED:unable to get issuer", r["Auth-SSL-Verify"]);
        Assert.Equal("CN=alice,O=Example", r["Auth-SSL-Subject"]);
        Assert.Equal("CN=Example CA", r["Auth-SSL-Issuer"]);
        Assert.Equal("3A0F", r["Auth-SSL-Serial"]);
        Assert.Equal("0a1b2c3d4e5f", r["Auth-SSL-Fingerprint"]);
        Assert.Equal("-----BEGIN%20CERTIFICATE-----%0AMIIBszCCAVmgAwIBAgIU%0A-----END%20CERTIFICATE-----%0A", r["Auth-SSL-Cert"]);
        Assert.Equal(pem, r.Decoded("Auth-SSL-Cert"));
    }

    [Fact]
    public async Task TlsWithoutCertificateSendsOnlyProtocolAndCipher()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync();

        await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, tls: new TlsFacts("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")), Ct);

        var r = Assert.Single(auth.Requests);
        Assert.Equal(["Auth-SSL", "Auth-SSL-Cipher", "Auth-SSL-Protocol"], r.Headers.Select(h => h.Key).Where(k => k.StartsWith("Auth-SSL", StringComparison.OrdinalIgnoreCase)).Order().ToArray());
    }

    [Fact]
    public async Task NonAsciiLoginGoesThroughBothWays()
    {
        var login = "jürgen-" + Guid.NewGuid().ToString("N") + "@exämple.org";
        await using var auth = await TestAuthServer.StartAsync(r =>
            r.Decoded("Auth-User") == login && r.Decoded("Auth-Pass") == "pässwörd 日本"
                ? AuthReply.Ok("backend.example.org", 143, user: "jürgen", pass: "clear pässwort")
                : AuthReply.Fail("wrong"));

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "pässwörd 日本"), Ct);

        Assert.Equal(LoginDecision.Allow("backend.example.org", 143, "jürgen", "clear pässwort"), decision);
        Assert.Equal(login, auth.Requests.Single()["Auth-User"]);
        Assert.Equal("pässwörd%20日本", auth.Requests.Single()["Auth-Pass"]);
    }

    [Fact]
    public async Task StatusCodeIsIgnored()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.1", 993).WithStatusCode(500));

        var allowed = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login), Ct);
        auth.Handler = _ => AuthReply.Fail("no").WithStatusCode(200);
        var refused = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, attemptNumber: 2), Ct);

        Assert.Equal(LoginOutcome.Allowed, allowed.Outcome);
        Assert.Equal(LoginOutcome.Refused, refused.Outcome);
    }

    [Fact]
    public async Task EveryReplyHeaderIsActedOn()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.With(
            ("Auth-Status", "Temporary problem, try later"), ("Auth-Status", "OK"), ("auth-error-code", "451 4.3.0"),
            ("Auth-Server", "10.0.0.1"), ("Auth-Port", "25")));

        var refused = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, protocol: MailProtocol.Smtp), Ct);
        auth.Handler = _ => AuthReply.With(("AUTH-STATUS", "OK"), ("Auth-Server", "imap-7.internal"), ("Auth-Port", "10143"), ("Auth-User", "u%20x"), ("Auth-Pass", "p w"));
        // A corrected password (the same wrong one would be refused locally for bruteforce_repeat_window).
        var allowed = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, secret: "corrected", attemptNumber: 2), Ct);

        Assert.Equal(LoginDecision.Refuse("Temporary problem, try later", null, "451 4.3.0"), refused);
        Assert.Equal(LoginDecision.Allow("imap-7.internal", 10143, "u%20x", "p w"), allowed);
    }

    [Theory]
    [InlineData("Auth-Port", "0")]
    [InlineData("Auth-Port", "70000")]
    [InlineData("Auth-Server", "not a host")]
    public async Task InvalidServerOrPortIsATemporaryFailure(string header, string value)
    {
        var login = UniqueLogin();
        var headers = new Dictionary<string, string> { ["Auth-Status"] = "OK", ["Auth-Server"] = "10.0.0.1", ["Auth-Port"] = "143", [header] = value };
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.With(headers.Select(h => (h.Key, h.Value)).ToArray()));

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login), Ct);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
    }

    [Fact]
    public async Task ApopWithoutAuthPassIsATemporaryFailure()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.1", 110));

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "0123456789abcdef0123456789abcdef", MailProtocol.Pop3, AuthMethod.Apop, "<1.2@mx>"), Ct);

        Assert.Equal(LoginDecision.InternalError("auth http server did not send password"), decision);
    }

    [Fact]
    public async Task AuthWaitIsSharedByEveryFrontEndForThatLoginAndAddressPrefixOnly()
    {
        var login = UniqueLogin("mallory");
        var other = UniqueLogin("bob");
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password", waitSeconds: 2));

        var first = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "wrong", clientIp: "198.51.100.1"), Ct);
        var second = await GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "guess", clientIp: "198.51.100.1"), Ct);
        var countAfterSecond = auth.RequestCount;
        var unrelated = await GrainFromOtherFrontEnd(other).DecideLogin(Attempt(auth.Endpoint(), other, "x"), Ct);
        // Another address prefix is never held by a wait this prefix earned.
        var otherPrefix = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "guess", clientIp: "198.51.100.2"), Ct);

        Assert.Equal(LoginDecision.Refuse("Invalid login or password", TimeSpan.FromSeconds(2), null), first);
        Assert.Equal(LoginOutcome.RetryLater, second.Outcome);
        Assert.InRange(second.Wait!.Value, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2));
        Assert.Equal(1, countAfterSecond);
        Assert.Equal(LoginOutcome.Refused, unrelated.Outcome);
        Assert.Equal(LoginOutcome.Refused, otherPrefix.Outcome);
        Assert.Equal(3, auth.RequestCount);
        Assert.Equal("198.51.100.1", auth.Requests[0]["Client-IP"]);
    }

    [Fact]
    public async Task AfterAuthWaitTheAuthServerIsAskedAgain()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password", waitSeconds: 1));

        await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login), Ct);
        var blocked = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, attemptNumber: 2), Ct);
        fixture.Time.Advance(blocked.Wait!.Value + TimeSpan.FromMilliseconds(100));
        auth.Handler = _ => AuthReply.Ok("10.0.0.1", 143);
        // A corrected password (the same wrong one would be refused locally for bruteforce_repeat_window).
        var allowed = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, secret: "corrected", attemptNumber: 2), Ct);

        Assert.Equal(LoginOutcome.RetryLater, blocked.Outcome);
        Assert.Equal(LoginOutcome.Allowed, allowed.Outcome);
        Assert.Equal(2, auth.RequestCount);
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(0, 1)]
    [InlineData(3, 3)]
    public async Task WaitStatusRetriesLaterWithAFloor(int? authWait, int expectedSeconds)
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Wait(authWait));

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login), Ct);
        // WAIT does not block the login: the same attempt may be re-sent at once (the front end waits).
        var again = await Grain(login).DecideLogin(Attempt(auth.Endpoint(), login), Ct);

        Assert.Equal(LoginDecision.RetryAfter(TimeSpan.FromSeconds(expectedSeconds)), decision);
        Assert.Equal(decision, again);
        Assert.Equal(2, auth.RequestCount);
        Assert.All(auth.Requests, r => Assert.Equal("1", r["Auth-Login-Attempt"]));
    }

    [Fact]
    public async Task SlowAuthServerTimesOutWithinTheTimeout()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.1", 143).After(TimeSpan.FromSeconds(10)));
        var clock = Stopwatch.StartNew();

        var decision = await Grain(login).DecideLogin(Attempt(auth.Endpoint(TimeSpan.FromMilliseconds(500)), login), Ct);

        Assert.Equal(LoginDecision.TemporaryFailure("auth http server timed out"), decision);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task GarbageReplyIsATemporaryFailure()
    {
        var login = UniqueLogin();
        await using var raw = new RawTcpResponder(Encoding.ASCII.GetBytes("* OK IMAP4rev1 ready, not HTTP\r\n\r\n"));

        var decision = await Grain(login).DecideLogin(Attempt(new AuthHttpEndpoint(raw.Url, TimeSpan.FromSeconds(2), []), login), Ct);

        Assert.Equal(LoginOutcome.InternalError, decision.Outcome);
        Assert.Single(raw.Requests);
    }

    [Fact]
    public async Task ConnectionRefusedIsUnavailable()
    {
        var login = UniqueLogin();
        var url = $"http://{IPAddress.Loopback}:{RawTcpResponder.UnusedPort()}/auth";

        var decision = await Grain(login).DecideLogin(Attempt(new AuthHttpEndpoint(url, TimeSpan.FromSeconds(2), []), login), Ct);

        Assert.Equal(LoginOutcome.TemporaryFailure, decision.Outcome);
    }
}
