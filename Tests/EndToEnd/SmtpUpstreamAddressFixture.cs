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

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public async ValueTask InitializeAsync()
    {
        Postfix = await Stack.StartAsync(PostfixServer.StartAsync($"""
            smtpd_tls_cert_file = {Certificates.ServerCertificatePath}
            smtpd_tls_key_file = {Certificates.ServerKeyPath}
            smtpd_tls_security_level = may
            smtpd_tls_loglevel = 1
            smtpd_tls_received_header = yes
            """));
        await Stack.StartAuthAsync(TestAuthServer.UsersAndPasswords(SmtpProxyFixture.Users, Postfix.Host, Postfix.Port));
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]>
            {
                ["pp"] = [("Protocol", "smtp"), ("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.1")],
                ["starttls"] = [("Protocol", "smtp"), ("ProxySsl", "starttls"), ("ProxySslTrustedCertificate", Certificates.CaPath)],
            });
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        Certificates.Dispose();
    }
}
