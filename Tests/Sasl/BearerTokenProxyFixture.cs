using System.Text;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// An OrleansMail Frontend with XOAUTH2 and OAUTHBEARER enabled on every listener, in front of real Dovecot (IMAP,
/// POP3) and Postfix, and a test auth server whose answer depends only on the token, so tests do not depend on
/// one another's order:
/// a token starting <c>ok-</c> for alice is accepted (Auth-Pass alice-password, with which the proxy logs in to
/// Dovecot with LOGIN / USER+PASS); <c>saslfail</c> is refused with <see cref="SaslErrorJson"/> in Auth-Error-SASL,
/// <c>saslwait</c> the same with Auth-Wait 1; any other token, or any other method, is refused.
/// Listeners, all with starttls on: <c>imap</c>, <c>pop3</c>, <c>smtp</c> with sasl_oauth_plaintext on and client
/// buffers of 1k (so a token is bounded by sasl_oauth_buffer only); <c>imapoff</c>, <c>pop3off</c>, <c>smtpoff</c> with
/// the default, sasl_oauth_plaintext off; <c>smtperrors</c> as <c>smtp</c> with max_errors 2. SMTP listeners list none
/// too (smtp_auth plain login none xoauth2 oauthbearer).
/// </summary>
public sealed class BearerTokenProxyFixture : IAsyncLifetime
{
    /// <summary>freenginx's mail_oauth.t error: <c>{"schemes":"Bearer","status":"400"}</c>.</summary>
    public const string SaslErrorJson = "eyJzY2hlbWVzIjoiQmVhcmVyIiwic3RhdHVzIjoiNDAwIn0=";

    public TestCertificates Pki { get; } = TestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    public PostfixServer Postfix { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public async ValueTask InitializeAsync()
    {
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password")]));
        Postfix = await Stack.StartAsync(PostfixServer.StartAsync());
        await Stack.StartAuthAsync(Answer);
        const string imapAuth = "plain xoauth2 oauthbearer", pop3Auth = "plain xoauth2 oauthbearer", smtpAuth = "plain login none xoauth2 oauthbearer";
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"), ("Starttls", "on"),
             ("SslCertificate", Pki.Path("server-rsa.pem")), ("SslCertificateKey", Pki.Path("server-rsa.key"))],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [("ImapAuth", imapAuth), ("SaslOauthPlaintext", "on"), ("ImapClientBuffer", "1k")],
                ["pop3"] = [("Protocol", "pop3"), ("Pop3Auth", pop3Auth), ("SaslOauthPlaintext", "on"), ("Pop3ClientBuffer", "1k")],
                ["smtp"] = [("Protocol", "smtp"), ("SmtpAuth", smtpAuth), ("SaslOauthPlaintext", "on"), ("SmtpClientBuffer", "1k")],
                ["imapoff"] = [("ImapAuth", imapAuth)],
                ["pop3off"] = [("Protocol", "pop3"), ("Pop3Auth", pop3Auth)],
                ["smtpoff"] = [("Protocol", "smtp"), ("SmtpAuth", smtpAuth)],
                ["smtperrors"] = [("Protocol", "smtp"), ("SmtpAuth", smtpAuth), ("SaslOauthPlaintext", "on"), ("MaxErrors", "2")],
            });
    }

    private AuthReply Answer(RecordedAuthRequest request)
    {
        if (request["Auth-Method"] is not ("xoauth2" or "oauthbearer")) return AuthReply.Fail("auth-failed");
        var token = request.Decoded("Auth-Pass") ?? "";
        if (token == "saslfail") return AuthReply.With(("Auth-Status", "auth-failed"), ("Auth-Error-SASL", SaslErrorJson));
        if (token == "saslwait") return AuthReply.With(("Auth-Status", "auth-failed"), ("Auth-Wait", "1"), ("Auth-Error-SASL", SaslErrorJson));
        if (request.Decoded("Auth-User") != "alice" || !token.StartsWith("ok-", StringComparison.Ordinal)) return AuthReply.Fail("auth-failed");
        return request["Auth-Protocol"] == "smtp"
            ? AuthReply.Ok(Postfix.Host, Postfix.Port)
            : AuthReply.Ok(Dovecot.Host, request["Auth-Protocol"] == "pop3" ? Dovecot.Pop3Port : Dovecot.ImapPort, pass: "alice-password");
    }

    /// <summary>
    /// A client connection to <paramref name="listener"/>, its greeting read; with <paramref name="ehlo"/> (by default
    /// on SMTP listeners) after EHLO.
    /// </summary>
    public async Task<LineClient> ConnectAsync(string listener, bool? ehlo = null)
    {
        var client = await LineClient.ConnectAsync(Proxy.Port(listener));
        Assert.NotNull(await client.ReadLineAsync());
        if (ehlo ?? listener.StartsWith("smtp", StringComparison.Ordinal))
        {
            await client.SendAsync("EHLO client.example\r\n");
            await client.ReadUntilAsync("250 ");
        }
        return client;
    }

    /// <summary>An XOAUTH2 client response, base64.</summary>
    public static string XOAuth2(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    /// <summary>An OAUTHBEARER client response (RFC 7628 §3.1), base64.</summary>
    public static string OAuthBearer(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,a={user},\u0001host=proxy.test\u0001port=143\u0001auth=Bearer {token}\u0001\u0001"));

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        Pki.Dispose();
    }
}
