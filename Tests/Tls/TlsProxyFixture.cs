using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// Real Dovecot (IMAP, POP3) and Postfix behind an OrleansMail Frontend with TLS listeners, and a test PKI
/// (<see cref="TestCertificates"/>). The auth server knows alice/alice-password and sends each protocol to its
/// real server. Listeners: <c>imaps</c>, <c>pop3s</c>, <c>smtps</c> (listen … ssl); <c>imaptls</c>,
/// <c>pop3tls</c>, <c>smtptls</c> (starttls on), <c>smtpnone</c> (starttls on, smtp_auth none); <c>imaponly</c>, <c>pop3only</c>, <c>smtponly</c> (starttls only,
/// SMTP with smtp_auth none too); <c>certon</c>, <c>certoptional</c>, <c>certnoca</c>, <c>certdeep</c>, <c>certshallow</c>
/// (ssl_verify_client on / optional / optional_no_ca with the CA, CRL and auth_http_pass_client_cert; on with the CA + intermediate bundle, depth 2 and the default 1);
/// <c>crlexpired</c>, <c>crlfuture</c> (optional, with a CRL past its nextUpdate / before its thisUpdate);
/// <c>multi</c> (RSA + ECDSA, SNI names other.test and *.wild.test, encrypted key); <c>reload</c> (a certificate
/// file the tests replace); <c>quick</c> (timeout 2s).
/// </summary>
public sealed class TlsProxyFixture : IAsyncLifetime
{
    public TestCertificates Pki { get; } = TestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    public PostfixServer Postfix { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    /// <summary>The certificate file of the <c>reload</c> listener.</summary>
    public string ReloadCertificate => Pki.Path("reload.pem");

    public string ReloadKey => Pki.Path("reload.key");

    public async ValueTask InitializeAsync()
    {
        File.Copy(Pki.Path("server-rsa.pem"), ReloadCertificate);
        File.Copy(Pki.Path("server-rsa.key"), ReloadKey);
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password"), ("bob", "bob-password")]));
        Postfix = await Stack.StartAsync(PostfixServer.StartAsync());
        var imap = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);
        var pop3 = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.Pop3Port);
        var smtp = TestAuthServer.UsersAndPasswords(Dovecot.Users, Postfix.Host, Postfix.Port);
        Func<RecordedAuthRequest, AuthReply> answer = request => request["Auth-Protocol"] switch
        {
            "pop3" => pop3(request),
            "smtp" when request["Auth-Method"] == "none" => AuthReply.Ok(Postfix.Host, Postfix.Port),
            "smtp" => smtp(request),
            _ when request["Auth-Method"] == "external" => AuthReply.Ok(Dovecot.Host, Dovecot.ImapPort, user: "alice", pass: "alice-password"),
            _ => imap(request),
        };
        await Stack.StartAuthAsync(answer);
        var rsa = (Pki.Path("server-rsa.pem"), Pki.Path("server-rsa.key"));
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"),
             ("SslCertificate", rsa.Item1), ("SslCertificateKey", rsa.Item2)],
            new Dictionary<string, (string, string)[]>
            {
                ["imaps"] = [("Listen", "127.0.0.1:{port} ssl")],
                ["pop3s"] = [("Listen", "127.0.0.1:{port} ssl"), ("Protocol", "pop3")],
                ["smtps"] = [("Listen", "127.0.0.1:{port} ssl"), ("Protocol", "smtp")],
                ["imaptls"] = [("Starttls", "on")],
                ["pop3tls"] = [("Starttls", "on"), ("Protocol", "pop3")],
                ["smtptls"] = [("Starttls", "on"), ("Protocol", "smtp")],
                ["smtpnone"] = [("Starttls", "on"), ("Protocol", "smtp"), ("SmtpAuth", "plain login none")],
                ["imaponly"] = [("Starttls", "only")],
                ["pop3only"] = [("Starttls", "only"), ("Protocol", "pop3")],
                ["smtponly"] = [("Starttls", "only"), ("Protocol", "smtp"), ("SmtpAuth", "plain login none")],
                ["certon"] = Certificates("on"),
                ["certoptional"] = Certificates("optional"),
                ["certnoca"] = Certificates("optional_no_ca"),
                ["crlexpired"] = Certificates("optional", Pki.ExpiredCrlFile),
                ["crlfuture"] = Certificates("optional", Pki.FutureCrlFile),
                ["certdeep"] = [("Listen", "127.0.0.1:{port} ssl"), ("SslVerifyClient", "on"), ("SslClientCertificate", Pki.BundleFile), ("SslVerifyDepth", "2")],
                ["certshallow"] = [("Listen", "127.0.0.1:{port} ssl"), ("SslVerifyClient", "on"), ("SslClientCertificate", Pki.BundleFile)],
                ["multi"] = [("Listen", "127.0.0.1:{port} ssl"),
                    ("SslCertificate:0", Pki.Path("encrypted.pem")), ("SslCertificateKey:0", Pki.Path("encrypted.key")),
                    ("SslCertificate:1", Pki.Path("server-ecdsa.pem")), ("SslCertificateKey:1", Pki.Path("server-ecdsa.key")),
                    ("SslPasswordFile", Pki.PasswordFile),
                    ("SslSni:other.test:Certificate", Pki.Path("other.pem")), ("SslSni:other.test:Key", Pki.Path("other.key")),
                    ("SslSniCertificate:0", $"*.wild.test {Pki.Path("wild.pem")} {Pki.Path("wild.key")}")],
                ["reload"] = [("Listen", "127.0.0.1:{port} ssl"), ("SslCertificate", ReloadCertificate), ("SslCertificateKey", ReloadKey)],
                ["quick"] = [("Listen", "127.0.0.1:{port} ssl"), ("Timeout", "2s")],
            });
    }

    private (string, string)[] Certificates(string mode, string? crl = null) =>
    [
        ("Listen", "127.0.0.1:{port} ssl"), ("SslVerifyClient", mode), ("SslClientCertificate", Pki.CaFile),
        ("SslCrl", crl ?? Pki.CrlFile), ("AuthHttpPassClientCert", "on"), ("ImapAuth", "plain external"),
    ];

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        Pki.Dispose();
    }
}
