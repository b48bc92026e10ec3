using System.Globalization;

namespace OrleansMail.Bench;

/// <summary>One endpoint measured: direct Dovecot, or a proxy (with the pid of its process tree for /proc).</summary>
internal sealed record BenchTarget(string Name, int Port, int? ProxyPid)
{
    public bool IsProxy => ProxyPid is not null;
}

/// <summary>
/// The cluster target (README "The cluster target"): OrleansMail as separate processes on Redis clustering — IMAP
/// logins split over the Frontends' ports, CPU read per process kind.
/// </summary>
internal sealed record ClusterTarget(IReadOnlyList<int> Ports, IReadOnlyList<int> FrontendPids, IReadOnlyList<int> SiloPids, int RedisPid)
{
    public const string Name = "orleansmail-cluster";
}

/// <summary>Command-line options of <c>LoadGenerator bench</c> (run.sh passes them).</summary>
internal sealed class BenchOptions
{
    /// <summary>IMAP targets (logins, relay; idle for the proxies).</summary>
    public List<BenchTarget> Targets { get; } = [];
    /// <summary>POP3 targets (logins): direct Dovecot, nginx, OrleansMail.</summary>
    public List<BenchTarget> Pop3Targets { get; } = [];
    /// <summary>SMTP targets (logins, messages): direct Postfix, nginx, OrleansMail.</summary>
    public List<BenchTarget> SmtpTargets { get; } = [];
    /// <summary>
    /// IMAP login targets with OrleansMail's auth-decision cache on (README "LoginPolicy"): logins only, compared with
    /// nginx, which asks the auth server for every login.
    /// </summary>
    public List<BenchTarget> WarmTargets { get; } = [];
    /// <summary>
    /// IMAP OAUTHBEARER login targets: direct Dovecot (its oauth2 passdb asks the auth server's introspection
    /// endpoint) and an OrleansMail listener with <c>imap_auth oauthbearer</c> that passes the token on to Dovecot. nginx
    /// cannot proxy OAUTHBEARER, so OrleansMail is compared with its own LOGIN figure of the same round and with direct.
    /// </summary>
    public List<BenchTarget> OAuthTargets { get; } = [];
    /// <summary>TLS scenario key (<see cref="TlsScenarios"/>) → its targets, from <c>--tls-target KEY=name:port[:pid]</c>.</summary>
    public Dictionary<string, List<BenchTarget>> TlsTargets { get; } = [];
    /// <summary>The run's server certificates (PEM) by name, <c>rsa</c> and <c>ecdsa</c>: the TLS client accepts exactly these.</summary>
    public Dictionary<string, string> TlsCertificates { get; } = [];
    /// <summary><c>--only tls</c>: the TLS scenarios alone (a quick before/after of handshake work).</summary>
    public bool OnlyTls { get; set; }
    /// <summary>
    /// <c>--only logins</c>: the plaintext IMAP, POP3 and SMTP logins alone, for a before/after of the login path over
    /// more rounds than the full run can afford (with bench/run.sh --baseline).
    /// </summary>
    public bool OnlyLogins { get; set; }
    /// <summary>Bearer token length of the OAUTHBEARER logins (<see cref="BearerTokens"/>).</summary>
    public int TokenBytes { get; set; } = DefaultTokenBytes;
    public const int DefaultTokenBytes = 6000;
    /// <summary>Prometheus /metrics URL per target name: the runtime's allocation counter around its IMAP login runs.</summary>
    public Dictionary<string, string> MetricsUrls { get; } = [];
    /// <summary>Steady-state commands: logged-in clients, pipelined depth, seconds per run.</summary>
    public int CommandsClients { get; set; } = 20;
    public int CommandsDepth { get; set; } = 4;
    public double CommandsSeconds { get; set; } = 8;
    /// <summary>The cluster target, when run.sh started one (<c>--cluster ports=P,P;frontends=PID,PID;silos=PID,PID;redis=PID</c>).</summary>
    public ClusterTarget? Cluster { get; set; }
    public int PostfixPid { get; set; }
    public int SmtpConcurrency { get; set; } = 8;
    public int SmtpMessageBytes { get; set; } = 100 * 1024;
    public int MessagesPerConnection { get; set; } = 10;
    public long MaxMessages { get; set; } = 1_000_000;
    public int DovecotPid { get; set; }
    public int DirectPort { get; set; }
    public int AuthPort { get; set; }
    public int AuthPid { get; set; }
    public int Rounds { get; set; } = 3;
    public double LoginSeconds { get; set; } = 10;
    public double RelaySeconds { get; set; } = 8;
    public double WarmupSeconds { get; set; } = 3;
    public int Concurrency { get; set; } = 50;
    public long MaxLogins { get; set; } = 2_000_000;
    public long MaxFetches { get; set; } = 100_000;
    public int IdleSessions { get; set; } = 5000;
    public double IdleHoldSeconds { get; set; } = 3;
    public int Users { get; set; } = 200;
    public string Password { get; set; } = "benchpass";
    public int MessageBytes { get; set; } = 10 * 1024 * 1024;
    public string OutPrefix { get; set; } = "bench/results/latest";
    public bool Check { get; set; }
    public string Mode { get; set; } = "full";
    public string Versions { get; set; } = "";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--target": o.Targets.Add(Target(Value())); break;
                case "--pop3-target": o.Pop3Targets.Add(Target(Value())); break;
                case "--smtp-target": o.SmtpTargets.Add(Target(Value())); break;
                case "--warm-target": o.WarmTargets.Add(Target(Value())); break;
                case "--oauth-target": o.OAuthTargets.Add(Target(Value())); break;
                case "--token-bytes": o.TokenBytes = Int(); break;
                case "--tls-target":
                    {
                        var (key, target) = Pair(Value(), "--tls-target KEY=name:port[:pid]");
                        var scenario = TlsScenarios.Get(key);
                        if (!o.TlsTargets.TryGetValue(scenario.Key, out var list)) o.TlsTargets[scenario.Key] = list = [];
                        list.Add(Target(target));
                        break;
                    }
                case "--tls-certificate":
                    {
                        var (name, path) = Pair(Value(), "--tls-certificate rsa|ecdsa=PATH");
                        o.TlsCertificates[name] = path;
                        break;
                    }
                case "--only":
                    switch (Value())
                    {
                        case "tls": o.OnlyTls = true; break;
                        case "logins": o.OnlyLogins = true; break;
                        default: throw new ArgumentException("--only: tls or logins");
                    }
                    break;
                case "--postfix-pid": o.PostfixPid = Int(); break;
                case "--metrics":
                    {
                        var (name, url) = Pair(Value(), "--metrics name=url");
                        o.MetricsUrls[name] = url;
                        break;
                    }
                case "--cluster": o.Cluster = ParseCluster(Value()); break;
                case "--commands-clients": o.CommandsClients = Int(); break;
                case "--commands-depth": o.CommandsDepth = Int(); break;
                case "--commands-seconds": o.CommandsSeconds = Double(); break;

                case "--smtp-concurrency": o.SmtpConcurrency = Int(); break;
                case "--smtp-message-bytes": o.SmtpMessageBytes = Int(); break;
                case "--messages-per-connection": o.MessagesPerConnection = Int(); break;
                case "--dovecot-pid": o.DovecotPid = Int(); break;
                case "--direct-port": o.DirectPort = Int(); break;
                case "--auth-port": o.AuthPort = Int(); break;
                case "--auth-pid": o.AuthPid = Int(); break;
                case "--rounds": o.Rounds = Int(); break;
                case "--login-seconds": o.LoginSeconds = Double(); break;
                case "--relay-seconds": o.RelaySeconds = Double(); break;
                case "--warmup-seconds": o.WarmupSeconds = Double(); break;
                case "--concurrency": o.Concurrency = Int(); break;
                case "--max-logins": o.MaxLogins = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--idle-sessions": o.IdleSessions = Int(); break;
                case "--idle-hold-seconds": o.IdleHoldSeconds = Double(); break;
                case "--users": o.Users = Int(); break;
                case "--password": o.Password = Value(); break;
                case "--message-bytes": o.MessageBytes = Int(); break;
                case "--out": o.OutPrefix = Value(); break;
                case "--check": o.Check = true; break;
                case "--mode": o.Mode = Value(); break;
                case "--versions": o.Versions = Value(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.Targets.Count == 0 && !o.OnlyTls) throw new ArgumentException("no --target");
        if (o.OnlyTls && o.TlsTargets.Count == 0) throw new ArgumentException("--only tls without --tls-target");
        foreach (var key in o.TlsTargets.Keys)
        {
            var certificate = TlsScenarios.Get(key).Certificate;
            if (!o.TlsCertificates.ContainsKey(certificate)) throw new ArgumentException($"--tls-target {key}=... needs --tls-certificate {certificate}=PATH");
        }
        if (o.DirectPort == 0 || o.DovecotPid == 0 || o.AuthPort == 0 || o.AuthPid == 0)
        {
            throw new ArgumentException("--direct-port, --dovecot-pid, --auth-port and --auth-pid are required");
        }
        if (o.SmtpTargets.Count > 0 && o.PostfixPid == 0) throw new ArgumentException("--smtp-target needs --postfix-pid");
        if (o.SmtpConcurrency < 1 || o.SmtpMessageBytes < 1024 || o.MessagesPerConnection < 1) throw new ArgumentException("SMTP counts must be positive");
        if (o.Rounds < 1 || o.Concurrency < 1 || o.IdleSessions < 1 || o.Users < 1) throw new ArgumentException("counts must be positive");
        // Hard bounds: the generator always stops by itself.
        if (o.LoginSeconds is <= 0 or > 600 || o.RelaySeconds is <= 0 or > 600) throw new ArgumentException("durations: 0 < s <= 600");
        if (o.CommandsClients is < 1 or > 200 || o.CommandsDepth is < 1 or > 64 || o.CommandsSeconds is <= 0 or > 600 || o.CommandsClients > o.Users)
            throw new ArgumentException("--commands-clients 1..200 (at most --users), --commands-depth 1..64, --commands-seconds 0 < s <= 600");
        // A 6,025-byte OAUTHBEARER message is 8,036 base64 bytes: Dovecot 2.3's login processes take at most 8,192.
        if (o.TokenBytes is < 64 or > 6100) throw new ArgumentException("--token-bytes 64..6100 (Dovecot 2.3 takes a SASL response of at most 8192 base64 bytes)");
        if (o.IdleSessions > 9000) throw new ArgumentException("--idle-sessions at most 9000 (20,000 fds per process, 2 per proxied session)");
        return o;
    }

    /// <summary>KEY=VALUE.</summary>
    private static (string Key, string Value) Pair(string text, string usage)
    {
        var at = text.IndexOf('=');
        return at > 0 ? (text[..at], text[(at + 1)..]) : throw new ArgumentException(usage);
    }

    private static ClusterTarget ParseCluster(string text)
    {
        var parts = text.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        List<int> Ints(string key) => parts.TryGetValue(key, out var v) && v.Length > 0
            ? v.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToList()
            : throw new ArgumentException($"--cluster needs {key}=");
        return new ClusterTarget(Ints("ports"), Ints("frontends"), Ints("silos"), Ints("redis").Single());
    }

    /// <summary>name:port or name:port:pid.</summary>
    private static BenchTarget Target(string text)
    {
        var parts = text.Split(':');
        return new BenchTarget(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture),
            parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : null);
    }
}
