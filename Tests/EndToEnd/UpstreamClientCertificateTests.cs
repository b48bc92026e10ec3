using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Dovecot that demands a client certificate from the test CA (ssl_verify_client_cert,
/// auth_ssl_require_client_cert) on its imaps listener, and a proxy with <c>cert</c> (ProxySslCertificate and key)
/// and <c>nocert</c> listeners.
/// </summary>
public sealed class UpstreamClientCertificateFixture : IAsyncLifetime
{
    public UpstreamTestCertificates Certificates { get; } = UpstreamTestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Dovecot, auth server and proxy, started in that order and disposed in reverse.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public async ValueTask InitializeAsync()
    {
        var imapsPort = ServerProcess.GetFreeTcpPorts(1)[0];
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password")], $$"""
            ssl = yes
            ssl_cert = <{{Certificates.ServerCertificatePath}}
            ssl_key = <{{Certificates.ServerKeyPath}}
            ssl_ca = <{{Certificates.CaPath}}
            ssl_verify_client_cert = yes
            ssl_require_crl = no
            auth_ssl_require_client_cert = yes
            service imap-login {
              inet_listener imaps {
                address = 127.0.0.1
                port = {{imapsPort.ToString(CultureInfo.InvariantCulture)}}
                ssl = yes
              }
            }
            """));
        await Stack.StartAuthAsync(TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, imapsPort));
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"), ("ProxySsl", "on"), ("ProxySslTrustedCertificate", Certificates.CaPath)],
            new Dictionary<string, (string, string)[]>
            {
                ["cert"] = [("ProxySslCertificate", Certificates.ClientCertificatePath), ("ProxySslCertificateKey", Certificates.ClientKeyPath)],
                ["nocert"] = [],
            });
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>ProxySslCertificate: the proxy's client certificate is what lets a Dovecot that requires one accept the login.</summary>
public sealed class UpstreamClientCertificateTests(UpstreamClientCertificateFixture fixture) : IClassFixture<UpstreamClientCertificateFixture>
{
    [Fact]
    public async Task WithTheCertificateTheLoginSucceeds()
    {
        var lines = await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("cert"), "alice", "alice-password");
        Assert.StartsWith("a2 OK", lines[^1]);
    }

    [Fact]
    public async Task WithoutItDovecotRefusesAndTheClientGetsTheInternalError()
    {
        var lines = await UpstreamTlsTests.ImapLoginAsync(fixture.Proxy.Port("nocert"), "alice", "alice-password");
        Assert.Contains("* BAD internal server error", lines);
    }
}
