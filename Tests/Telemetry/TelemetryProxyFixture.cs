using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Telemetry;

/// <summary>
/// A real Dovecot, a real auth server that knows Dovecot's users (a test sets another answer for its login only), a test PKI and a
/// Frontend (embedded silo) built as Program.cs builds it, with the per-address pre-login cap at 2. Listeners:
/// <c>imap</c> (plaintext), <c>imaps</c> (listen … ssl), <c>capped</c> (plaintext, for the pre-login cap test only),
/// <c>relayed</c> (plaintext, for the test that counts one session's every measurement only), <c>pop3</c>, <c>proxied</c> (listen … proxy_protocol), <c>shortrelay</c> (proxy_timeout 1s).
/// </summary>
public sealed class TelemetryProxyFixture : IAsyncLifetime
{
    public TestCertificates Pki { get; } = TestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Certificates, backend, auth server and proxy, disposed in reverse order; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>What the auth server answers a login no test set an answer for (<see cref="ProxyStack.AnswerFor"/>): Dovecot's users.</summary>
    public Func<RecordedAuthRequest, AuthReply> DefaultHandler { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack.Own(Pki);
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password")]));
        var imap = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);
        var pop3 = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.Pop3Port);
        DefaultHandler = request => request["Auth-Protocol"] == "pop3" ? pop3(request) : imap(request);
        await Stack.StartAuthAsync(DefaultHandler);
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"),
             ("SslCertificate", Pki.Path("server-rsa.pem")), ("SslCertificateKey", Pki.Path("server-rsa.key"))],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [],
                ["imaps"] = [("Listen", "127.0.0.1:{port} ssl")],
                ["capped"] = [],
                ["relayed"] = [],
                ["pop3"] = [("Protocol", "pop3")],
                ["proxied"] = [("Listen", "127.0.0.1:{port} proxy_protocol")],
                ["shortrelay"] = [("ProxyTimeout", "1s")],
            },
            [("PreloginConnectionsPerAddress", "2")]);
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
    }
}
