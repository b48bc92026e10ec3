using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Bearer-token logins through the proxy to real servers, shared by the <see cref="OAuthProxyCollection"/>:
/// <see cref="OAuthBackends"/> (Dovecot's oauth2 passdb and Postfix with Dovecot SASL, both checking tokens at the auth
/// server's introspection endpoint) behind an OrleansMail Frontend (embedded silo) whose auth_http is the same auth server,
/// answering bearer logins with <see cref="TestAuthServer.BearerTokens"/> (a refusal carries Auth-Error-SASL with
/// <see cref="AuthReply.InvalidTokenJson"/> and Auth-Wait: 1, so the session goes on). XOAUTH2 and OAUTHBEARER are on for
/// every listener, and allowed without TLS (sasl_oauth_plaintext on: every test talks plain TCP on loopback). Listeners:
/// <c>imap</c> (no SASL-IR: the token comes in a continuation line), <c>imapir</c> (imap_capabilities with SASL-IR: the
/// token in the AUTHENTICATE line), <c>pop3</c>, <c>smtp</c> (proxy_smtp_auth on: the proxy logs in to Postfix, passing
/// the token on).
/// </summary>
public sealed class OAuthProxyFixture : IAsyncLifetime
{
    /// <summary>Auth-Status of a refused bearer login.</summary>
    public const string RefusalMessage = "Invalid token";

    /// <summary>
    /// Auth-Wait of a refusal: a positive one keeps the session going after the failure reply, which comes after the
    /// wait (without one, or with 0, nginx closes the connection: src/mail/ngx_mail_auth_http_module.c).
    /// </summary>
    private const int RefusalWaitSeconds = 1;

    private const string BearerMechanisms = "plain login xoauth2 oauthbearer";

    /// <summary>The backends (with the auth server) and the proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    /// <summary>The auth server (auth_http and introspection), Dovecot and Postfix.</summary>
    public OAuthBackends Backends { get; private set; } = null!;

    /// <summary>The proxy under test.</summary>
    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>The proxy's auth_http server.</summary>
    public TestAuthServer Auth => Stack.Auth;

    public async ValueTask InitializeAsync()
    {
        Backends = await Stack.StartAsync(OAuthBackends.StartAsync());
        var dovecot = Backends.Dovecot;
        var postfix = Backends.Postfix;
        // The token of OAuthBackends.User, sent to Dovecot or Postfix.
        Stack.AnswerThrough(Backends.Auth, request =>
        {
            var port = request["Auth-Protocol"] switch
            {
                "pop3" => dovecot.Pop3Port,
                "smtp" => postfix.Port,
                _ => dovecot.ImapPort,
            };
            return TestAuthServer.BearerTokens(Backends.Auth.Introspection, dovecot.Host, port, waitOnFailureSeconds: RefusalWaitSeconds)(request);
        });
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"), ("SaslOauthPlaintext", "on")],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [("ImapAuth", BearerMechanisms)],
                ["imapir"] = [("ImapAuth", BearerMechanisms), ("ImapCapabilities", "IMAP4rev1 SASL-IR")],
                ["pop3"] = [("Protocol", "pop3"), ("Pop3Auth", "plain xoauth2 oauthbearer")], // pop3_auth has no "login": USER/PASS and AUTH LOGIN come with plain
                ["smtp"] = [("Protocol", "smtp"), ("SmtpAuth", BearerMechanisms), ("ProxySmtpAuth", "on")],
            },
            // The token cache off as ProxyUnderTest turns the password cache off: every login asks the auth server, so each
            // test sees its own auth request (auth_cache_token_ttl is tested with the grains).
            [("LoginPolicy:AuthCacheTokenTtl", "0")]);
    }

    /// <summary>The auth requests received since <paramref name="before"/> (a <see cref="TestAuthServer.RequestCount"/>).</summary>
    public IReadOnlyList<RecordedAuthRequest> RequestsSince(int before) => Auth.Requests.Skip(before).ToList();

    /// <summary>
    /// Asserts the one auth request since <paramref name="before"/> asked about <paramref name="mechanism"/> with the
    /// user and the token whole (freenginx 1.27.1: Auth-Method xoauth2/oauthbearer, Auth-User the SASL user, Auth-Pass the token).
    /// </summary>
    public void AssertAskedAbout(int before, string mechanism, string protocol, string token)
    {
        var request = Assert.Single(RequestsSince(before));
        Assert.Equal(mechanism.ToLowerInvariant(), request["Auth-Method"]);
        Assert.Equal(protocol, request["Auth-Protocol"]);
        Assert.Equal(OAuthBackends.User, request.Decoded("Auth-User"));
        Assert.Equal(token, request.Decoded("Auth-Pass"));
    }

    /// <summary>
    /// Until <c>Answer</c> is disposed, the auth server refuses <see cref="OAuthBackends.User"/>'s wrong tokens with an
    /// RFC 7628 error JSON of this test's own (a fresh "test" field, returned as <c>Json</c>), so a transcript shows the
    /// proxy sent exactly the auth server's challenge; the right token still logs in.
    /// </summary>
    public (string Json, IDisposable Answer) UseOwnErrorJson()
    {
        var json = $$"""{"status":"invalid_token","scope":"mail","test":"{{Guid.NewGuid():N}}"}""";
        var answer = Stack.AnswerFor(OAuthBackends.User, request =>
            request["Auth-Pass"] is not null && Auth.Introspection.UserOf(request.Decoded("Auth-Pass")!) is null
                ? AuthReply.FailSasl(RefusalMessage, json, RefusalWaitSeconds)
                : Stack.DefaultAnswer(request));
        return (json, answer);
    }

    /// <summary>How many logins Dovecot logged for <paramref name="mechanism"/> on <paramref name="service"/> (imap-login, pop3-login).</summary>
    public int DovecotLogins(string service, string mechanism) =>
        Backends.Dovecot.ReadLog().Split('\n').Count(l =>
            l.Contains($"{service}: Info: Login: user=<{OAuthBackends.User}>, method={mechanism},", StringComparison.Ordinal));

    /// <summary>Waits (Dovecot's log process writes a little later) until Dovecot logged <paramref name="expected"/> such logins.</summary>
    public async Task AssertDovecotLoginsAsync(string service, string mechanism, int expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (DovecotLogins(service, mechanism) < expected && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);
        Assert.True(DovecotLogins(service, mechanism) == expected, $"expected {expected} {mechanism} logins\n{Backends.Dovecot.ReadLog()}");
    }

    /// <summary>Tokens are secrets: the proxy never logs one (not even a part: its first 32 characters).</summary>
    public void AssertNeverLogged(string token) =>
        Assert.DoesNotContain(Proxy.Logs.Lines, line => line.Contains(token[..32], StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}

/// <summary>The collection sharing one <see cref="OAuthProxyFixture"/> (its servers are heavy; the tests run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class OAuthProxyCollection : ICollectionFixture<OAuthProxyFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "oauth-proxy";
}
