namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// Every directive an nginx mail configuration may hold, and what OrleansMail does with it: the ngx_mail_* directives
/// of nginx.org/en/docs/mail/ (all mapped onto the keys the JSON configuration uses, or refused with a reason), nginx's
/// process directives outside mail{} (accepted and reported), and OrleansMail's own settings under nginx-style
/// names. The JSON reader takes its list of known keys from here too, so both sources know the same settings.
/// </summary>
public static class NginxDirectives
{
    private const NginxContexts MS = NginxContexts.MailAndServer;
    private const int Many = int.MaxValue;
    private static NginxDirective Map(string name, string? @default, int min = 1, int max = 1, bool flag = false, bool repeatable = false, string? key = null, NginxContexts contexts = MS, string? note = null) =>
        new(name, contexts, NginxDirectiveStatus.Mapped, min, max, key, repeatable, flag, @default, note);
    /// <summary>A list directive whose every argument is one item (see <see cref="NginxDirective.Items"/>).</summary>
    private static NginxDirective Items(string name, string @default, string? note = null) =>
        new(name, MS, NginxDirectiveStatus.Mapped, 1, Many, Default: @default, Note: note, Items: true);
    private static NginxDirective Flag(string name, string @default) => Map(name, @default, flag: true);
    private const NginxContexts MSU = NginxContexts.MailServerAndUpstream;
    private static NginxDirective NotForMail(string name, int min = 1, int max = 1) => new(name, NginxContexts.Main, NginxDirectiveStatus.NotForMail, min, max);
    private static NginxDirective EventsOnly(string name) => new(name, NginxContexts.Events, NginxDirectiveStatus.NotForMail);

    public static IReadOnlyList<NginxDirective> All { get; } =
    [
        // ngx_mail_core_module
        new("mail", NginxContexts.Main, NginxDirectiveStatus.Block, 0, 0, Key: "Mail"),
        new("server", NginxContexts.Mail, NginxDirectiveStatus.Block, 0, 0, Key: "Servers"),
        Map("listen", "—", max: Many, contexts: NginxContexts.Server, repeatable: true, note: "address:port and nginx's listen parameters, one string; several listen in one server{} become one listener each"),
        Map("protocol", "by port", contexts: NginxContexts.Server, note: "imap 143/993, pop3 110/995, smtp 25/465/587 when absent"),
        Map("server_name", "host name"),
        Map("timeout", "60s"),
        Map("login_timeout", "3m", note: "OrleansMail only: the longest from accept to logged in (TLS, commands, auth waits, upstream login), whatever each read's timeout"),
        Map("resolver", "off", max: Many),
        Map("resolver_timeout", "30s"),
        Map("max_errors", "5"),
        new("error_log", NginxContexts.Main | MS, NginxDirectiveStatus.Process, 1, 2, Repeatable: true, Default: "stderr (console)",
            Note: "FILE, stderr or syslog:server=ADDR[:PORT][,facility=F][,severity=S][,tag=T][,nohostname], and a level (debug, info, notice, warn, error, crit, alert, emerg; default error); repeat for several destinations; a server{}'s own list replaces mail{}'s, which replaces the top level's; nginx's line format"),
        // ngx_mail_auth_http_module
        Map("auth_http", "(required)"),
        Map("auth_http_header", "—", min: 2, max: 2, repeatable: true, key: "AuthHttpHeaders", note: "AuthHttpHeaders:Name = value"),
        Flag("auth_http_pass_client_cert", "off"),
        Map("auth_http_timeout", "60s"),
        // ngx_mail_proxy_module
        new("proxy", MS, NginxDirectiveStatus.Warned, Flag: true, Note: "nginx parses \"proxy\" but never uses it; it has no effect here either"),
        Map("proxy_buffer", "4k"),
        Flag("proxy_pass_error_message", "off"),
        Map("proxy_protocol", "off", contexts: MSU, note: "off, on or v2"),
        Flag("proxy_smtp_auth", "off"),
        Map("proxy_timeout", "24h"),
        Flag("xclient", "on"),
        // ngx_mail_imap_module, ngx_mail_pop3_module, ngx_mail_smtp_module
        Items("imap_auth", "plain", note: "plain, login, cram-md5, external, xoauth2, oauthbearer (the last two as in freenginx 1.27.1)"),
        Items("imap_capabilities", "IMAP4 IMAP4rev1 UIDPLUS", note: "each argument is one capability; quote one that holds spaces: \"SIZE 10485760\""),
        Map("imap_client_buffer", "4k"),
        Items("pop3_auth", "plain", note: "plain, apop, cram-md5, external, xoauth2, oauthbearer (the last two as in freenginx 1.27.1)"),
        Items("pop3_capabilities", "TOP USER UIDL", note: "each argument is one capability; quote one that holds spaces: \"SIZE 10485760\""),
        Map("pop3_client_buffer", "4k", note: "OrleansMail only: nginx hard-codes 128 bytes"),
        Items("smtp_auth", "plain login", note: "plain, login, cram-md5, external, xoauth2, oauthbearer (the last two as in freenginx 1.27.1), none"),
        Items("smtp_capabilities", "(none)", note: "each argument is one capability; quote one that holds spaces: \"SIZE 10485760\""),
        Map("smtp_client_buffer", "4k"),
        Map("smtp_greeting_delay", "0"),
        // ngx_mail_ssl_module (src/mail/ngx_mail_ssl_module.c)
        Map("starttls", "off", note: "on, off or only"),
        Map("ssl_certificate", "—", repeatable: true),
        Map("ssl_certificate_key", "—", repeatable: true),
        Map("ssl_password_file", "—"),
        Items("ssl_protocols", "TLSv1.2 TLSv1.3"),
        Map("ssl_ciphers", "HIGH:!aNULL:!MD5"),
        Flag("ssl_prefer_server_ciphers", "off"),
        Map("ssl_ecdh_curve", "auto"),
        Map("ssl_dhparam", "—"),
        Map("ssl_session_cache", "none", max: Many),
        Map("ssl_session_timeout", "5m"),
        Flag("ssl_session_tickets", "on"),
        Map("ssl_session_ticket_key", "—", repeatable: true, note: "48- or 80-byte files; the same files on every Frontend let a session resume on any of them"),
        Map("ssl_certificate_compression", "off", flag: true, note: "on is refused at start-up: it needs OpenSSL 3.2"),
        Map("ssl_conf_command", "—", min: 2, max: 2, repeatable: true, note: "each item \"Name value\""),
        Map("ssl_verify_client", "off", note: "on, off, optional or optional_no_ca"),
        Map("ssl_verify_depth", "1"),
        Map("ssl_client_certificate", "—"),
        Map("ssl_trusted_certificate", "—"),
        Map("ssl_crl", "—"),
        Map("ssl_sni_certificate", "—", min: 3, max: 3, repeatable: true,
            note: "OrleansMail only: ssl_sni_certificate NAME CERT KEY picks a certificate by the client's SNI (NAME may be *.domain); repeat for RSA + ECDSA; JSON also takes SslSni:NAME:Certificate/Key"),
        new("ssl", MS, NginxDirectiveStatus.Warned, Flag: true,
            Note: "removed in nginx 1.25.1: \"ssl on\" adds the ssl parameter to the listen directives in its scope"),
        // ngx_mail_realip_module
        Map("set_real_ip_from", "—", repeatable: true),

        // OrleansMail's own settings, under nginx-style names.
        // TLS to upstreams and the IMAP ID forwarding (nginx has none): in mail{}, server{} and upstream ADDRESS {}.
        new("upstream", NginxContexts.Mail, NginxDirectiveStatus.Block, 1, 1, Key: "Upstreams",
            Note: "OrleansMail only: upstream ADDRESS { ... } sets the proxy_ssl*, proxy_protocol, proxy_imap_id and proxy_oauth_login of the upstream the auth server names as ADDRESS (host:port)"),
        Map("proxy_ssl", "off", contexts: MSU, note: "OrleansMail only: off, on (implicit TLS) or starttls"),
        Map("proxy_ssl_verify", "on", flag: true, contexts: MSU, note: "OrleansMail only: verify the upstream's certificate"),
        Map("proxy_ssl_trusted_certificate", "system roots", contexts: MSU, note: "OrleansMail only: CA bundle (PEM)"),
        Map("proxy_ssl_pin", "—", max: Many, contexts: MSU, note: "OrleansMail only: base64 SHA-256 of the upstream's public key (SPKI)"),
        Map("proxy_ssl_name", "the upstream host", contexts: MSU, note: "OrleansMail only: the name verified and sent as SNI"),
        Map("proxy_ssl_certificate", "—", contexts: MSU, note: "OrleansMail only: client certificate to the upstream"),
        Map("proxy_ssl_certificate_key", "—", contexts: MSU, note: "OrleansMail only"),
        Map("proxy_ssl_protocols", "TLSv1.2 TLSv1.3", max: Many, contexts: MSU, note: "OrleansMail only"),
        Map("proxy_imap_id", "off", flag: true, contexts: MSU, note: "OrleansMail only: IMAP ID with x-originating-ip/-port, x-connected-ip/-port, x-session-id before LOGIN"),
        Map("proxy_oauth_login", "token", key: "ProxyOAuthLogin", contexts: MSU, note: "OrleansMail only: token (an XOAUTH2/OAUTHBEARER login passes the client's token on when the upstream advertises the mechanism, else logs in with Auth-Pass) or password (always Auth-Pass)"),
        Map("sasl_oauth_plaintext", "off", flag: true, note: "OrleansMail only: on = XOAUTH2 and OAUTHBEARER are offered and accepted before TLS too (a bearer token is a password)"),
        Map("sasl_oauth_buffer", "16k", note: "OrleansMail only: the longest XOAUTH2/OAUTHBEARER command, initial response or continuation line (IMAP literal included), whatever *_client_buffer"),
        Map("listener_name", "protocol@address", key: "Name", contexts: NginxContexts.Server, note: "OrleansMail only: the listener's name in logs"),
        Map("cluster_mode", "Embedded", key: "Cluster:Mode", contexts: NginxContexts.Main, note: "OrleansMail only: Embedded, Localhost or Redis"),
        Map("cluster_redis", "—", key: "Cluster:Redis", contexts: NginxContexts.Main, note: "OrleansMail only: Redis connection string"),
        Map("cluster_service_id", "orleansmail", key: "Cluster:ServiceId", contexts: NginxContexts.Main, note: "OrleansMail only"),
        Map("cluster_id", "default", key: "Cluster:ClusterId", contexts: NginxContexts.Main, note: "OrleansMail only"),
        Map("cluster_silo_port", "11111", key: "Cluster:SiloPort", contexts: NginxContexts.Main, note: "OrleansMail only"),
        Map("cluster_gateway_port", "30000", key: "Cluster:GatewayPort", contexts: NginxContexts.Main, note: "OrleansMail only"),
        Map("cluster_advertised_ip", "—", key: "Cluster:AdvertisedIp", contexts: NginxContexts.Main, note: "OrleansMail only"),
        Map("cluster_probe_timeout", "2s", max: 1, key: "Cluster:ProbeTimeout", contexts: NginxContexts.Main, note: "OrleansMail only: silo-to-silo probe timeout (membership)"),
        Map("cluster_missed_probes_limit", "3", max: 1, key: "Cluster:MissedProbesLimit", contexts: NginxContexts.Main, note: "OrleansMail only: missed probes before a silo is suspected"),
        Map("cluster_login_retry_budget", "10s", max: 1, key: "Cluster:LoginRetryBudget", contexts: NginxContexts.Main, note: "OrleansMail only: how long a front end retries a login whose silo died, from the first failed call"),
        Map("cluster_tls_mode", "on with cluster_tls_certificate", flag: true, key: "Cluster:Tls:Mode", contexts: NginxContexts.Main, note: "OrleansMail only: TLS with mutual certificates to the cluster's gateways; a Redis cluster refuses to start without it unless off is written"),
        Map("cluster_tls_certificate", "—", key: "Cluster:Tls:Certificate", contexts: NginxContexts.Main, note: "OrleansMail only: this member's certificate (PEM)"),
        Map("cluster_tls_key", "—", key: "Cluster:Tls:Key", contexts: NginxContexts.Main, note: "OrleansMail only: its private key (PEM)"),
        Map("cluster_tls_ca", "—", key: "Cluster:Tls:Ca", contexts: NginxContexts.Main, note: "OrleansMail only: the cluster's CA bundle (PEM), the only trust anchor for peers"),
        Map("cluster_redis_tls_ca", "system roots", key: "Cluster:RedisTlsCa", contexts: NginxContexts.Main, note: "OrleansMail only: private CA (PEM) of the Redis server's certificate (cluster_redis with ssl=true)"),
        Map("cluster_allowed_auth_servers", "any", max: Many, key: "Cluster:AllowedAuthServers", contexts: NginxContexts.Main, note: "OrleansMail only: the auth_http URLs the login grains accept in a login attempt"),

        Map("auth_cache_ttl", "60s", max: 1, key: "LoginPolicy:AuthCacheTtl", contexts: NginxContexts.Main, note: "OrleansMail only: positive auth decisions reused for this long"),
        Map("auth_cache_token_ttl", "60s", max: 1, key: "LoginPolicy:AuthCacheTokenTtl", contexts: NginxContexts.Main, note: "OrleansMail only: XOAUTH2/OAUTHBEARER decisions reused for this long, at most the answer's Auth-Cache-TTL"),
        Map("auth_cache_negative_ttl", "0 (off)", max: 1, key: "LoginPolicy:AuthCacheNegativeTtl", contexts: NginxContexts.Main, note: "OrleansMail only: refusals reused for this long"),
        Map("auth_cache_stale_if_error", "0 (off)", max: 1, key: "LoginPolicy:AuthCacheStaleIfError", contexts: NginxContexts.Main, note: "OrleansMail only: serve a cached OK this old while the auth server is down"),
        Map("auth_cache_client_address", "off", max: 1, key: "LoginPolicy:AuthCacheClientAddress", contexts: NginxContexts.Main, note: "OrleansMail only: the client address is part of the cache key"),
        Map("auth_cache_digest_local", "off", max: 1, key: "LoginPolicy:AuthCacheDigestLocal", contexts: NginxContexts.Main, note: "OrleansMail only: verify CRAM-MD5/APOP locally against a cached Auth-Pass"),
        Map("bruteforce_login_threshold", "5", max: 1, key: "LoginPolicy:BruteforceLoginThreshold", contexts: NginxContexts.Main, note: "OrleansMail only: distinct wrong secrets per login + address prefix before local refusal"),
        Map("bruteforce_address_threshold", "20", max: 1, key: "LoginPolicy:BruteforceAddressThreshold", contexts: NginxContexts.Main, note: "OrleansMail only: distinct wrong secrets per address prefix across logins"),
        Map("bruteforce_window", "15m", max: 1, key: "LoginPolicy:BruteforceWindow", contexts: NginxContexts.Main, note: "OrleansMail only: sliding window of the counts"),
        Map("bruteforce_delay", "1s", max: 1, key: "LoginPolicy:BruteforceDelay", contexts: NginxContexts.Main, note: "OrleansMail only: first added delay, doubled per further attempt"),
        Map("bruteforce_delay_max", "15s", max: 1, key: "LoginPolicy:BruteforceDelayMax", contexts: NginxContexts.Main, note: "OrleansMail only: largest added delay"),
        Map("bruteforce_ipv4_prefix", "32", key: "LoginPolicy:BruteforceIpv4Prefix", contexts: NginxContexts.Main, note: "OrleansMail only: IPv4 addresses counted together"),
        Map("bruteforce_ipv6_prefix", "64", key: "LoginPolicy:BruteforceIpv6Prefix", contexts: NginxContexts.Main, note: "OrleansMail only: IPv6 addresses counted together"),
        Map("bruteforce_repeat_window", "60s", max: 1, key: "LoginPolicy:BruteforceRepeatWindow", contexts: NginxContexts.Main, note: "OrleansMail only: a wrong secret already refused for a login + address prefix is refused locally for this long (or its Auth-Wait, if longer); 0 = off"),
        Map("bruteforce_login_budget", "50", max: 1, key: "LoginPolicy:BruteforceLoginBudget", contexts: NginxContexts.Main, note: "OrleansMail only: distinct wrong secrets per login across every address prefix before unknown prefixes are admitted one per interval; 0 = off"),
        Map("bruteforce_login_budget_window", "1h", max: 1, key: "LoginPolicy:BruteforceLoginBudgetWindow", contexts: NginxContexts.Main, note: "OrleansMail only: sliding window of the budget"),
        Map("bruteforce_admission_interval", "1s", max: 1, key: "LoginPolicy:BruteforceAdmissionInterval", contexts: NginxContexts.Main, note: "OrleansMail only: past the budget, one attempt per interval from unknown prefixes reaches the auth server, cluster-wide"),
        Map("bruteforce_known_prefix_ttl", "30d", max: 1, key: "LoginPolicy:BruteforceKnownPrefixTtl", contexts: NginxContexts.Main, note: "OrleansMail only: a prefix with a successful login is never slowed by the budget for this long"),
        Map("login_case", "insensitive", max: 1, key: "LoginPolicy:LoginCase", contexts: NginxContexts.Main, note: "OrleansMail only: insensitive: Alice, alice and ' alice ' are one login for throttling, Auth-Wait and session limits (the auth server still gets the login as sent); sensitive: only spaces are trimmed"),
        Map("trusted_networks", "—", max: Many, key: "LoginPolicy:TrustedNetworks", contexts: NginxContexts.Main, note: "OrleansMail only: addresses/CIDRs exempt from throttling"),
        Map("secret_hash_key", "random per silo", max: 1, key: "LoginPolicy:SecretHashKey", contexts: NginxContexts.Main, note: "OrleansMail only: HMAC key for secrets (keep it secret)"),
        Map("session_limit_per_login_address", "10", max: 1, key: "LoginPolicy:SessionLimitPerLoginAddress", contexts: NginxContexts.Main, note: "OrleansMail only: concurrent sessions per login + address prefix, cluster-wide (Dovecot's mail_max_userip_connections); 0 = off"),
        Map("session_limit_per_login", "0 (off)", max: 1, key: "LoginPolicy:SessionLimitPerLogin", contexts: NginxContexts.Main, note: "OrleansMail only: concurrent sessions per login, cluster-wide"),
        Map("session_limit_per_address", "0 (off)", max: 1, key: "LoginPolicy:SessionLimitPerAddress", contexts: NginxContexts.Main, note: "OrleansMail only: concurrent sessions per address prefix across logins (trusted networks exempt)"),
        Map("session_lease_ttl", "60s", max: 1, key: "LoginPolicy:SessionLeaseTtl", contexts: NginxContexts.Main, note: "OrleansMail only: a session's slot lives this long unless its front end renews it"),
        Map("admin_token", "— (admin API off)", key: "Admin:Token", contexts: NginxContexts.Main, note: "OrleansMail only: token of the admin API, at least 32 bytes"),
        Map("admin_listen", "—", key: "Admin:Listen", contexts: NginxContexts.Main, note: "OrleansMail only: address:port of the embedded silo's admin API"),
        Map("health_listen", "— (Admin:Listen with the embedded silo)", key: "Health:Listen", contexts: NginxContexts.Main, note: "OrleansMail only: address:port of /health/live, /health/ready and /metrics"),
        Map("metrics", "on", flag: true, key: "Metrics:Enabled", contexts: NginxContexts.Main, note: "OrleansMail only: off = no meters collected, no /metrics"),
        Map("metrics_anonymous_scrape", "off", flag: true, key: "Metrics:AnonymousScrape", contexts: NginxContexts.Main, note: "OrleansMail only: /metrics without admin_token (otherwise it needs the token, as the admin API)"),
        Map("trace_logins", "off", flag: true, key: "Telemetry:TraceLogins", contexts: NginxContexts.Main, note: "OrleansMail only: the login span carries the login (enduser.id)"),
        Map("imap_upstream_pool", "—", max: Many, key: "UpstreamPools:Imap", contexts: NginxContexts.Main, note: "OrleansMail only: IMAP upstreams (host:port …) chosen by rendezvous hash of the login when the auth server sends no Auth-Server"),
        Map("pop3_upstream_pool", "—", max: Many, key: "UpstreamPools:Pop3", contexts: NginxContexts.Main, note: "OrleansMail only: the same for POP3"),
        Map("smtp_upstream_pool", "—", max: Many, key: "UpstreamPools:Smtp", contexts: NginxContexts.Main, note: "OrleansMail only: the same for SMTP"),
        Map("upstream_pool_prefer", "off", flag: true, key: "UpstreamPools:Prefer", contexts: NginxContexts.Main, note: "OrleansMail only: use the pool even when the auth server sends Auth-Server"),
        Map("upstream_pool_tries", "3", key: "UpstreamPools:Tries", contexts: NginxContexts.Main, note: "OrleansMail only: pool upstreams a front end tries when connecting fails"),
        Map("upstream_check_interval", "5s", key: "UpstreamPools:CheckInterval", contexts: NginxContexts.Main, note: "OrleansMail only: how often each pool upstream's greeting is checked"),
        Map("upstream_check_timeout", "3s", key: "UpstreamPools:CheckTimeout", contexts: NginxContexts.Main, note: "OrleansMail only: connect + greeting deadline of a check"),
        Map("upstream_check_fails", "2", key: "UpstreamPools:CheckFails", contexts: NginxContexts.Main, note: "OrleansMail only: consecutive failures (checks, front ends' connect failures) that mark an upstream down"),
        Map("upstream_check_passes", "2", key: "UpstreamPools:CheckPasses", contexts: NginxContexts.Main, note: "OrleansMail only: consecutive passed checks that mark it up again"),
        Map("worker_connections", "half the open-file limit", key: "WorkerConnections", contexts: NginxContexts.Events,
            note: "client connections open at once across every listener; one more gets the protocol's temporary failure and is closed"),
        Map("prelogin_connections_per_address", "20", key: "PreloginConnectionsPerAddress", contexts: NginxContexts.Main,
            note: "OrleansMail only: connections not yet logged in per client address prefix (LoginPolicy's prefixes; trusted_networks exempt); 0 = off"),
        Map("shutdown_delay", "5s with health_listen, else 0", key: "ShutdownDelay", contexts: NginxContexts.Main,
            note: "OrleansMail only: on stop/quit /health/ready answers 503 at once while the listeners still accept for this long (load balancers catch up)"),
        Map("worker_shutdown_timeout", "30s", key: "ShutdownTimeout", contexts: NginxContexts.Main,
            note: "on stop/quit (SIGTERM, SIGQUIT): after shutdown_delay the listeners close, sessions may finish for this long, then get the protocol's closing line (IMAP * BYE, POP3 -ERR, SMTP 421) and are closed"),

        // nginx's process and other-module directives: meaningless for a mail proxy, accepted and reported once.
        new("pid", NginxContexts.Main, NginxDirectiveStatus.Process, Note: "the pid file, written at start and removed at exit; -s finds the process through it"),
        NotForMail("user", 1, 2),
        NotForMail("worker_processes"),
        NotForMail("worker_rlimit_nofile"),
        NotForMail("worker_rlimit_core"),
        NotForMail("worker_priority"),
        NotForMail("worker_cpu_affinity", 1, Many),
        NotForMail("working_directory"),
        NotForMail("daemon"),
        NotForMail("master_process"),
        NotForMail("timer_resolution"),
        NotForMail("lock_file"),
        NotForMail("pcre_jit"),
        NotForMail("env"),
        NotForMail("load_module"),
        NotForMail("thread_pool", 2, 3),
        NotForMail("ssl_engine"),
        NotForMail("debug_points"),
        new("events", NginxContexts.Main, NginxDirectiveStatus.NotForMail, 0, 0, Note: "its worker_connections is honoured, the rest has no effect"),
        EventsOnly("use"),
        EventsOnly("multi_accept"),
        EventsOnly("accept_mutex"),
        EventsOnly("accept_mutex_delay"),
        EventsOnly("worker_aio_requests"),
        EventsOnly("debug_connection"),
        NotForMail("http", 0, 0),
        NotForMail("stream", 0, 0),
    ];

    private static readonly Dictionary<string, NginxDirective> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    public static NginxDirective? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// The directive that sets the configuration key <paramref name="key"/> (<c>Mail:Servers:0:SmtpClientBuffer</c> →
    /// smtp_client_buffer, <c>Mail:AuthHttpHeaders:X-A</c> → auth_http_header, <c>Cluster:SiloPort</c> →
    /// cluster_silo_port), or null for a key no directive sets.
    /// </summary>
    public static NginxDirective? ForKey(string key)
    {
        var absolute = All.FirstOrDefault(d => d.Status == NginxDirectiveStatus.Mapped && d.ConfigurationKey.Contains(':')
            && (key.Equals(d.ConfigurationKey, StringComparison.OrdinalIgnoreCase) || key.StartsWith(d.ConfigurationKey + ":", StringComparison.OrdinalIgnoreCase)));
        if (absolute is not null) return absolute;
        foreach (var segment in key.Split(':').Reverse())
        {
            var directive = All.FirstOrDefault(d => d.Status == NginxDirectiveStatus.Mapped && d.ConfigurationKey.Equals(segment, StringComparison.OrdinalIgnoreCase));
            if (directive is not null) return directive;
        }
        return null;
    }

    /// <summary>The keys the JSON reader accepts in <c>Mail</c>: every mail{} directive's key, and <c>Servers</c>.</summary>
    public static IReadOnlySet<string> MailKeys { get; } = KeysFor(NginxContexts.Mail, "Servers", "Upstreams", "SslSni");

    /// <summary>The keys the JSON reader accepts in <c>Mail:Upstreams:N</c>.</summary>
    public static IReadOnlySet<string> UpstreamKeys { get; } = KeysFor(NginxContexts.Upstream, "Address");

    /// <summary>The keys the JSON reader accepts in <c>Mail:Servers:N</c>.</summary>
    public static IReadOnlySet<string> ServerKeys { get; } = KeysFor(NginxContexts.Server, "SslSni");

    private static HashSet<string> KeysFor(NginxContexts context, params string[] extra) =>
        All.Where(d => d.Status == NginxDirectiveStatus.Mapped && d.Contexts.HasFlag(context)).Select(d => d.ConfigurationKey)
            .Concat(extra).ToHashSet(StringComparer.OrdinalIgnoreCase);
}
