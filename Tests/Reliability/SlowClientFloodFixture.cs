using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Reliability;

/// <summary>
/// The real Frontend process started as operators start it (<c>Frontend.dll -p PREFIX -c nginx.conf</c>, embedded silo) in
/// front of a real Dovecot and a real auth server, with short deadlines so a flood of slow clients ends in bounded time:
/// <c>timeout 5s</c> (each read, the TLS handshake, the PROXY header) and <c>login_timeout 15s</c> (accept to logged in).
/// <c>worker_connections 11000</c> lets 10,000 hostile connections and the real clients in at once; the per-address
/// pre-login limit stays at its default (20), so the flood comes from many loopback addresses as a botnet's would.
/// Listeners: IMAP, POP3, SMTP, IMAP over implicit TLS, IMAP with STARTTLS, IMAP behind a PROXY-protocol balancer, and
/// a second PROXY-protocol IMAP listener with its own short deadlines (<see cref="QuickProxyPort"/>).
/// </summary>
public sealed class SlowClientFloodFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(15);

    /// <summary><c>timeout</c> and <c>login_timeout</c> of <see cref="QuickProxyPort"/>.</summary>
    public static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan QuickLoginTimeout = TimeSpan.FromSeconds(4);

    public const int WorkerConnections = 11_000;

    /// <summary>The longest command line of every listener (the default <c>imap_client_buffer</c>, <c>pop3_client_buffer</c>, <c>smtp_client_buffer</c>).</summary>
    public const int ClientBuffer = 4096;

    public TestCertificates Pki { get; } = TestCertificates.Create();

    public DovecotServer Dovecot { get; private set; } = null!;

    /// <summary>Dovecot, the auth server and the Frontend process, started in that order and disposed in reverse.</summary>
    public ProxyStack Stack { get; } = new();

    public TestAuthServer Auth => Stack.Auth;

    public DotnetAppProcess Frontend { get; private set; } = null!;

    /// <summary>The Frontend's prefix folder (<c>-p</c>); its error_log is <c>logs/error.log</c> there.</summary>
    public string Prefix { get; private set; } = "";

    public int ImapPort { get; private set; }
    public int Pop3Port { get; private set; }
    public int SmtpPort { get; private set; }
    public int ImapsPort { get; private set; }
    public int StarttlsPort { get; private set; }

    /// <summary>IMAP behind a load balancer: <c>listen … proxy_protocol</c>, <c>set_real_ip_from 127.0.0.0/8</c>.</summary>
    public int ProxyProtocolPort { get; private set; }

    /// <summary>As <see cref="ProxyProtocolPort"/>, with <see cref="QuickTimeout"/> and <see cref="QuickLoginTimeout"/>.</summary>
    public int QuickProxyPort { get; private set; }

    /// <summary>What the Frontend wrote to its error_log so far.</summary>
    public string ErrorLog() => ServerProcess.ReadShared(Path.Combine(Prefix, "logs", "error.log"));

    /// <summary>The Frontend process's resident memory now (VmRSS), in bytes.</summary>
    public long FrontendRss() => Frontend.ResidentBytes();

    public async ValueTask InitializeAsync()
    {
        Dovecot = await Stack.StartAsync(DovecotServer.StartAsync([("alice", "alice-password")], "mail_max_userip_connections = 200\n"));
        var imap = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);
        var pop3 = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.Pop3Port);
        await Stack.StartAuthAsync(request => request.Decoded("Auth-Protocol") == "pop3" ? pop3(request) : imap(request));
        Prefix = ServerProcess.CreateTempDirectory("orleansmail-slowclients-");
        var ports = ServerProcess.GetFreeTcpPorts(9);
        (ImapPort, Pop3Port, SmtpPort, ImapsPort, StarttlsPort, ProxyProtocolPort, QuickProxyPort) =
            (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6]);
        var certificate = $"ssl_certificate {Pki.Path("server-rsa.pem")}; ssl_certificate_key {Pki.Path("server-rsa.key")};";
        var config = Path.Combine(Prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            error_log logs/error.log info;
            pid logs/frontend.pid;
            events { worker_connections {{WorkerConnections}}; }
            session_limit_per_login_address 0;
            cluster_silo_port {{ports[7]}};
            cluster_gateway_port {{ports[8]}};
            mail {
                server_name proxy.test;
                auth_http {{Auth.Url}};
                timeout {{Timeout.TotalSeconds}}s;
                login_timeout {{LoginTimeout.TotalSeconds}}s;
                server { listen 127.0.0.1:{{ImapPort}}; protocol imap; }
                server { listen 127.0.0.1:{{Pop3Port}}; protocol pop3; }
                server { listen 127.0.0.1:{{SmtpPort}}; protocol smtp; }
                server { listen 127.0.0.1:{{ImapsPort}} ssl; protocol imap; {{certificate}} }
                server { listen 127.0.0.1:{{StarttlsPort}}; protocol imap; starttls on; {{certificate}} }
                server { listen 127.0.0.1:{{ProxyProtocolPort}} proxy_protocol; protocol imap; set_real_ip_from 127.0.0.0/8; }
                server {
                    listen 127.0.0.1:{{QuickProxyPort}} proxy_protocol; protocol imap; set_real_ip_from 127.0.0.0/8;
                    timeout {{QuickTimeout.TotalSeconds}}s; login_timeout {{QuickLoginTimeout.TotalSeconds}}s;
                }
            }
            """);
        Directory.CreateDirectory(Path.Combine(Prefix, "logs"));
        Frontend = Stack.Adopt(DotnetAppProcess.StartWithArguments("Frontend", "Frontend (slow clients)", Prefix, config, "-p", Prefix, "-c", config));
        await Frontend.WaitUntilAsync(async ct => await ServerProcess.ReadFirstLineAsync(ImapPort, null, ct) == "* OK IMAP4 ready",
            TimeSpan.FromSeconds(60), "the IMAP greeting");
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync(); // the Frontend stops and its prefix folder goes first
        Pki.Dispose();
    }
}
