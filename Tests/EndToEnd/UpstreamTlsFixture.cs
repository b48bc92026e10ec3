using System.Globalization;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A real Dovecot with TLS (a test CA's certificate for mail.test, localhost and 127.0.0.1): STARTTLS on its plain
/// IMAP and POP3 listeners, implicit-TLS imaps and pop3s listeners, two <c>haproxy = yes</c> IMAP listeners
/// (PROXY protocol from 127.0.0.0/8), and <c>login_trusted_networks = 127.0.0.0/8</c> so it takes IMAP ID's
/// x-originating-ip from the proxy. The proxy reaches each Dovecot port with per-upstream settings
/// (<c>Mail:Upstreams</c>): imaps/pop3s with ProxySsl on, imap/pop3 with ProxySsl starttls, haproxy ports with
/// ProxyProtocol on / v2. Listeners differ in trust: <c>imap</c> (the test CA), <c>pop3</c>, <c>name</c>
/// (ProxySslName mail.test), <c>starttls</c> (ProxySsl starttls for any upstream), <c>wrongname</c>, <c>wrongca</c>, <c>pin</c>, <c>badpin</c>, <c>pp</c> (proxy_protocol,
/// set_real_ip_from 127.0.0.0/8, ProxyImapId), <c>ppuntrusted</c> (set_real_ip_from 10.0.0.0/8), <c>pphaproxy</c> (trusted, no ID), <c>ppout</c> (trusted, ProxyProtocol on to any upstream), <c>ppslow</c>
/// (proxy_protocol, timeout 2s).
/// </summary>
public sealed class UpstreamTlsFixture : IAsyncLifetime
{
    public UpstreamTestCertificates Certificates { get; } = UpstreamTestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Backends, auth server and proxy, started in that order and disposed in reverse; per-login auth answers.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public ProxyUnderTest Proxy => Stack.Proxy;

    public int ImapsPort { get; private set; }

    public int Pop3sPort { get; private set; }

    /// <summary>Dovecot IMAP listener that expects a PROXY v1 or v2 header (haproxy = yes), reached with ProxyProtocol on.</summary>
    public int HaproxyV1Port { get; private set; }

    /// <summary>The same, reached with ProxyProtocol v2.</summary>
    public int HaproxyV2Port { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ports = ServerProcess.GetFreeTcpPorts(4);
        (ImapsPort, Pop3sPort, HaproxyV1Port, HaproxyV2Port) = (ports[0], ports[1], ports[2], ports[3]);
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        // Dovecot 2.3 merges a repeated service section into the one DovecotServer wrote.
        var tls = $$"""
            ssl = yes
            ssl_cert = <{{Certificates.ServerCertificatePath}}
            ssl_key = <{{Certificates.ServerKeyPath}}
            login_trusted_networks = 127.0.0.0/8
            haproxy_trusted_networks = 127.0.0.0/8
            service imap-login {
              inet_listener imaps {
                address = 127.0.0.1
                port = {{I(ImapsPort)}}
                ssl = yes
              }
              inet_listener imap_haproxy1 {
                address = 127.0.0.1
                port = {{I(HaproxyV1Port)}}
                haproxy = yes
              }
              inet_listener imap_haproxy2 {
                address = 127.0.0.1
                port = {{I(HaproxyV2Port)}}
                haproxy = yes
              }
            }
            service pop3-login {
              inet_listener pop3s {
                address = 127.0.0.1
                port = {{I(Pop3sPort)}}
                ssl = yes
              }
            }
            """;
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password"), ("bob", "bob-password")], tls));
        await Stack.StartAuthAsync(Route(Dovecot.ImapPort));
        var ca = Certificates.CaPath;
        await Stack.StartProxyAsync(
            [("AuthHttpTimeout", "5s"), ("Timeout", "10s"),
             ("Upstreams:0:Address", $"127.0.0.1:{ImapsPort}"), ("Upstreams:0:ProxySsl", "on"),
             ("Upstreams:1:Address", $"127.0.0.1:{Dovecot.ImapPort}"), ("Upstreams:1:ProxySsl", "starttls"),
             ("Upstreams:2:Address", $"127.0.0.1:{Pop3sPort}"), ("Upstreams:2:ProxySsl", "on"),
             ("Upstreams:3:Address", $"127.0.0.1:{Dovecot.Pop3Port}"), ("Upstreams:3:ProxySsl", "starttls"),
             ("Upstreams:4:Address", $"127.0.0.1:{HaproxyV1Port}"), ("Upstreams:4:ProxyProtocol", "on"),
             ("Upstreams:5:Address", $"127.0.0.1:{HaproxyV2Port}"), ("Upstreams:5:ProxyProtocol", "v2")],
            new Dictionary<string, (string, string)[]>
            {
                ["imap"] = [("ProxySslTrustedCertificate", ca)],
                ["pop3"] = [("Protocol", "pop3"), ("ProxySslTrustedCertificate", ca)],
                ["name"] = [("ProxySslTrustedCertificate", ca), ("ProxySslName", UpstreamTestCertificates.ServerName)],
                ["wrongname"] = [("ProxySslTrustedCertificate", ca), ("ProxySslName", "other.test")],
                ["wrongca"] = [("ProxySslTrustedCertificate", Certificates.OtherCaPath)],
                ["pin"] = [("ProxySslPin", Certificates.ServerPin)],
                ["badpin"] = [("ProxySslPin", Certificates.CaPin), ("ProxySslTrustedCertificate", ca)],
                ["pp"] = [("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.0/8"), ("ProxyImapId", "on"), ("ProxySslTrustedCertificate", ca)],
                ["ppuntrusted"] = [("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "10.0.0.0/8 ::1"), ("ProxyImapId", "on"), ("ProxySslTrustedCertificate", ca)],
                ["pphaproxy"] = [("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.1")],
                ["starttls"] = [("ProxySsl", "starttls"), ("ProxySslTrustedCertificate", ca)],
                ["ppout"] = [("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.1"), ("ProxyProtocol", "on")],
                ["ppslow"] = [("Listen", "127.0.0.1:{port} proxy_protocol"), ("SetRealIpFrom", "127.0.0.0/8"), ("Timeout", "2s")],
            });
    }

    /// <summary>An auth handler that sends Dovecot's users to <paramref name="port"/> on 127.0.0.1.</summary>
    public Func<RecordedAuthRequest, AuthReply> Route(int port) => TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, port);

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        Certificates.Dispose();
    }
}
