using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.FrontDoor;

/// <summary>
/// The real Frontend process started as operators start it (<c>Frontend.dll -p PREFIX -c nginx.conf</c>, embedded
/// silo) in front of a real Dovecot and a real auth server, with the connection limits at their defaults except
/// <c>worker_connections 300</c>, and <c>trusted_networks 127.0.0.3</c> (exempt from the per-address limit, so the
/// process-wide one can be reached). Listeners: IMAP, POP3, SMTP and IMAP over implicit TLS; <c>login_timeout 4s</c>
/// on a second IMAP listener (<see cref="QuickImapPort"/>); a third takes the PROXY protocol (<see cref="ProxyProtocolPort"/>). The session limit per login and address is off, so one
/// user may hold many logged-in sessions from one address.
/// </summary>
public sealed class ConnectionFloodFixture : IAsyncLifetime
{
    public const int WorkerConnections = 300;

    public TestCertificates Pki { get; } = TestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Dovecot, the auth server and the Frontend process, started in that order and disposed in reverse.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public DotnetAppProcess Frontend { get; private set; } = null!;

    public int ImapPort { get; private set; }

    public int Pop3Port { get; private set; }

    public int SmtpPort { get; private set; }

    public int ImapsPort { get; private set; }

    public int QuickImapPort { get; private set; }

    /// <summary>IMAP behind a load balancer: <c>listen … proxy_protocol</c>, <c>set_real_ip_from 127.0.0.0/8</c>.</summary>
    public int ProxyProtocolPort { get; private set; }

    /// <summary>The Frontend process's resident memory now (VmRSS), in bytes.</summary>
    public long FrontendRss() => Frontend.ResidentBytes();

    public async ValueTask InitializeAsync()
    {
        // Dovecot sees every proxied session coming from the proxy's address: let it hold more than its default 10.
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password")], "mail_max_userip_connections = 200\n"));
        await Stack.StartAuthAsync(TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort));
        var directory = ServerProcess.CreateTempDirectory("orleansmail-flood-");
        var ports = ServerProcess.GetFreeTcpPorts(8);
        ProxyProtocolPort = ports[7];
        (ImapPort, Pop3Port, SmtpPort, ImapsPort, QuickImapPort) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            error_log logs/error.log info;
            pid logs/frontend.pid;
            events { worker_connections {{WorkerConnections}}; }
            trusted_networks 127.0.0.3;
            session_limit_per_login_address 0;
            cluster_silo_port {{ports[5]}};
            cluster_gateway_port {{ports[6]}};
            mail {
                server_name proxy.test;
                auth_http {{Auth.Url}};
                timeout 60s;
                server { listen 127.0.0.1:{{ImapPort}}; protocol imap; }
                server { listen 127.0.0.1:{{Pop3Port}}; protocol pop3; }
                server { listen 127.0.0.1:{{SmtpPort}}; protocol smtp; }
                server {
                    listen 127.0.0.1:{{ImapsPort}} ssl; protocol imap;
                    ssl_certificate {{Pki.Path("server-rsa.pem")}}; ssl_certificate_key {{Pki.Path("server-rsa.key")}};
                }
                server { listen 127.0.0.1:{{QuickImapPort}}; protocol imap; login_timeout 4s; timeout 3s; }
                server { listen 127.0.0.1:{{ProxyProtocolPort}} proxy_protocol; protocol imap; set_real_ip_from 127.0.0.0/8; }
            }
            """);
        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        Frontend = Stack.Adopt(DotnetAppProcess.StartWithArguments("Frontend", "Frontend (flood)", directory, config, "-p", directory, "-c", config));
        await Frontend.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ImapPort, null, ct) == "* OK IMAP4 ready",
            TimeSpan.FromSeconds(60), "the IMAP greeting");
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync(); // the Frontend stops and its prefix folder goes first
        Pki.Dispose();
    }
}
