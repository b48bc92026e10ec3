using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Postfix with smtpd TLS (the test CA's certificate, STARTTLS offered), a real auth server (alice,
/// bob) and a proxy with SMTP listeners: <c>pp</c> (proxy_protocol, set_real_ip_from 127.0.0.1) and
/// <c>starttls</c> (ProxySsl starttls verified against the test CA, by Postfix's IP SAN).
/// </summary>
public sealed class SmtpUpstreamAddressFixture : IAsyncLifetime
{
    public UpstreamTestCertificates Certificates { get; } = UpstreamTestCertificates.Create();

    public PostfixServer Postfix { get; private set; } = null!;

    public TestAuthServer Auth { get; private set; } = null!;

    public ProxyUnderTest Proxy { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Postfix = await PostfixServer.StartAsync($"""
            smtpd_tls_cert_file = {Certificates.ServerCertificatePath}
            smtpd_tls_key_file = {Certificates.ServerKeyPath}
            smtpd_tls_security_level = may
            smtpd_tls_loglevel = 1
            smtpd_tls_received_header = yes
            """);
        Auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(SmtpProxyFixture.Users, Postfix.Host, Postfix.Port));
        Proxy = await ProxyUnderTest.StartAsync(
            [("AuthHttp", Auth.Url), ("AuthHttpTimeout", "5s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["pp"] = [("Protocol", "smtp"), ("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.1")],
                ["starttls"] = [("Protocol", "smtp"), ("ProxySsl", "starttls"), ("ProxySslTrustedCertificate", Certificates.CaPath)],
            });
    }

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null) await Proxy.DisposeAsync();
        if (Auth is not null) await Auth.DisposeAsync();
        if (Postfix is not null) await Postfix.DisposeAsync();
        Certificates.Dispose();
    }
}
