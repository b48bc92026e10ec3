using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansMail.Bench;

/// <summary>One row of the results: a metric, its median per target, and OrleansMail's ratios.</summary>
internal sealed record MetricRow(
    string Key, string Label, string Unit, bool HigherIsBetter, Dictionary<string, double?> Medians,
    string? BestNginx, double? RatioToNginx, double? RatioToDirect);

/// <summary>A target of the report's target table (README "Benchmark") and whether this run met it.</summary>
internal sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>Medians, ratios, target checks; writes the JSON, Markdown and SVG files; checks a smoke run.</summary>
internal sealed partial class Report
{
    public const string Orleans = "orleansmail";
    public const string Direct = "direct";

    /// <summary>The same OrleansMail with <c>Metrics:Enabled=false</c>: what collecting metrics costs.</summary>
    public const string MetricsOff = "orleansmail-metrics-off";

    /// <summary>Another build of OrleansMail (bench/run.sh --baseline), measured in the same rounds.</summary>
    public const string Baseline = "orleansmail-baseline";
    private static readonly string[] NginxVariants = ["nginx", "nginx-64k"];
    private static readonly string[] UsualColumns = [Direct, "nginx", "nginx-64k", Orleans];

    private readonly BenchOptions _options;
    private readonly BenchRunner _runner;
    private readonly List<string> _targetNames;
    private readonly DateTimeOffset _finished = DateTimeOffset.UtcNow;
    private readonly double _elapsedSeconds;

    public Report(BenchOptions options, BenchRunner runner, double elapsedSeconds)
    {
        _options = options;
        _runner = runner;
        _elapsedSeconds = elapsedSeconds;
        // Columns: every target name of any protocol (direct, nginx, nginx-64k, orleansmail), IMAP's order first.
        // The four usual columns in their usual order, whichever scenario named them first (--only tls has no plaintext targets).
        _targetNames = options.Targets.Concat(options.Pop3Targets).Concat(options.SmtpTargets).Concat(options.TlsTargets.Values.SelectMany(t => t))
            .Select(t => t.Name).Distinct().OrderBy(name => Array.IndexOf(UsualColumns, name) is var i and >= 0 ? i : UsualColumns.Length).ToList();
        if (runner.ClusterLogins.Count > 0) _targetNames.Add(ClusterTarget.Name);
        Rows = BuildRows();
        Checks = BuildChecks();
    }

    public List<MetricRow> Rows { get; }
    public List<TargetCheck> Checks { get; }

    private static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v.HasValue).Select(v => v!.Value).OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return null;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>One row: each target's median of <paramref name="value"/> over its samples, and OrleansMail's ratios.</summary>
    private void AddRow<T>(List<MetricRow> rows, string key, string label, string unit, bool higher, List<T> samples, Func<T, string> target,
        Func<T, double?> value, bool proxiesOnly = false, bool ratios = true, bool vsDirect = true)
    {
        var medians = new Dictionary<string, double?>();
        foreach (var name in _targetNames)
        {
            if (proxiesOnly && name == Direct) { medians[name] = null; continue; }
            var mine = samples.Where(s => target(s) == name).Select(value).ToList();
            medians[name] = mine.Count == 0 ? null : Median(mine);
        }
        string? best = null;
        foreach (var n in NginxVariants)
        {
            if (medians.GetValueOrDefault(n) is not { } v) continue;
            if (best is null || (higher ? v > medians[best]!.Value : v < medians[best]!.Value)) best = n;
        }
        double? Ratio(string? other) =>
            ratios && other is not null && medians.GetValueOrDefault(Orleans) is { } o && medians.GetValueOrDefault(other) is { } d && d != 0 ? o / d : null;
        rows.Add(new MetricRow(key, label, unit, higher, medians, best, Ratio(best), vsDirect ? Ratio(Direct) : null));
    }

    private List<MetricRow> BuildRows()
    {
        var rows = new List<MetricRow>();
        void Add<T>(string key, string label, string unit, bool higher, List<T> samples, Func<T, string> target, Func<T, double?> value, bool proxiesOnly = false, bool ratios = true, bool vsDirect = true) =>
            AddRow(rows, key, label, unit, higher, samples, target, value, proxiesOnly, ratios, vsDirect);
        if (_options.OnlyTls)
        {
            AddTlsRows(rows);
            return rows;
        }

        var logins = _runner.Logins;
        var relays = _runner.Relays;
        var idles = _runner.Idles;
        Add("logins_per_second", "IMAP logins/s (concurrency " + _options.Concurrency + ")", "1/s", true, logins, s => s.Target, s => s.LoginsPerSecond);
        Add("login_p50_ms", "login latency p50", "ms", false, logins, s => s.Target, s => s.P50Ms);
        Add("login_p99_ms", "login latency p99", "ms", false, logins, s => s.Target, s => s.P99Ms);
        Add("proxy_cpu_ms_per_login", "proxy CPU per login", "ms", false, logins, s => s.Target, s => s.ProxyCpuMsPerLogin, proxiesOnly: true);
        Add("auth_cpu_ms_per_login", "auth server CPU per login", "ms", false, logins, s => s.Target, s => s.AuthCpuMsPerLogin, vsDirect: false); // direct logins never reach the auth server
        Add("dovecot_cpu_ms_per_login", "Dovecot CPU per login", "ms", false, logins, s => s.Target, s => s.DovecotCpuMsPerLogin);
        Add("loadgen_cpu_ms_per_login", "load generator CPU per login", "ms", false, logins, s => s.Target, s => s.LoadGeneratorCpuMsPerLogin);
        if (!_options.OnlyLogins)
        {
            Add("relay_mb_per_second", "relay: FETCH of a 10 MB message", "MB/s", true, relays, s => s.Target, s => s.MegabytesPerSecond);
            Add("proxy_cpu_s_per_gb", "proxy CPU per GB relayed", "s/GB", false, relays, s => s.Target, s => s.ProxyCpuSecondsPerGb, proxiesOnly: true);
            Add("dovecot_cpu_s_per_gb", "Dovecot CPU per GB relayed", "s/GB", false, relays, s => s.Target, s => s.DovecotCpuSecondsPerGb);
            Add("idle_rss_kb_per_session", $"proxy RSS per idle session ({_options.IdleSessions} in IDLE)", "KB", false, idles, s => s.Target, s => s.ProxyRssKbPerSession, proxiesOnly: true);
            Add("idle_errors", "idle sessions: errors (sum of rounds)", "", false, idles, s => s.Target, s => null, proxiesOnly: true, ratios: false);
            // Errors are sums, not medians.
            var idleErrors = rows[^1];
            foreach (var name in _targetNames)
            {
                idleErrors.Medians[name] = name is Direct or ClusterTarget.Name ? null : idles.Where(s => s.Target == name).Sum(s => s.Errors);
            }
        }
        Add("errors", "login + relay errors (sum of rounds)", "", false, logins, s => s.Target, s => null, ratios: false);
        var errors = rows[^1];
        foreach (var name in _targetNames)
        {
            errors.Medians[name] = logins.Where(s => s.Target == name).Sum(s => s.Errors) + relays.Where(s => s.Target == name).Sum(s => s.Errors)
                + _runner.ClusterLogins.Where(s => s.Login.Target == name).Sum(s => s.Login.Errors);
        }

        // Steady-state small commands, clients logged in (imaptest's steady state), sequential and pipelined.
        var commands = _runner.Commands;
        if (commands.Count > 0)
        {
            var clients = $"{_options.CommandsClients} clients logged in";
            Add("commands_per_second", $"steady-state commands/s ({clients}, one command in flight each)", "1/s", true, commands, s => s.Target, s => s.CommandsPerSecond);
            Add("command_p50_ms", "command latency p50 (send to tagged OK)", "ms", false, commands, s => s.Target, s => s.P50Ms);
            Add("command_p99_ms", "command latency p99", "ms", false, commands, s => s.Target, s => s.P99Ms);
            Add("proxy_cpu_ms_per_1000_commands", "proxy CPU per 1,000 commands", "ms", false, commands, s => s.Target, s => s.ProxyCpuMsPer1000, proxiesOnly: true);
            Add("dovecot_cpu_ms_per_1000_commands", "Dovecot CPU per 1,000 commands", "ms", false, commands, s => s.Target, s => s.DovecotCpuMsPer1000);
            var pipelined = _runner.PipelinedCommands;
            Add("pipelined_commands_per_second", $"pipelined commands/s ({clients}, {_options.CommandsDepth} in flight each)", "1/s", true, pipelined, s => s.Target, s => s.CommandsPerSecond);
            Add("pipelined_batch_p99_ms", $"pipelined batch latency p99 ({_options.CommandsDepth} commands)", "ms", false, pipelined, s => s.Target, s => s.P99Ms);
            Add("pipelined_proxy_cpu_ms_per_1000_commands", "proxy CPU per 1,000 pipelined commands", "ms", false, pipelined, s => s.Target, s => s.ProxyCpuMsPer1000, proxiesOnly: true);
            Add("commands_errors", "steady-state command errors (sum of rounds)", "", false, commands, s => s.Target, s => null, ratios: false);
            var commandErrors = rows[^1];
            foreach (var name in _targetNames)
            {
                var mine = commands.Concat(pipelined).Where(s => s.Target == name).Select(s => s.Errors).ToList();
                commandErrors.Medians[name] = mine.Count == 0 ? null : mine.Sum();
            }
        }

        // The cluster target (2 Frontends, 2 silos, Redis as processes) next to the embedded OrleansMail
        // and nginx (their IMAP login rows above). Its CPU per login sums every OrleansMail process.
        var cluster = _runner.ClusterLogins;
        if (cluster.Count > 0)
        {
            var versus = logins.Where(s => s.Target != Direct && s.Target != MetricsOff).Concat(cluster.Select(c => c.Login)).ToList();
            Add("cluster_logins_per_second", $"IMAP logins/s, cluster target: 2 Frontends + 2 silos + Redis (concurrency {_options.Concurrency})", "1/s", true,
                versus, s => s.Target, s => s.LoginsPerSecond, proxiesOnly: true, ratios: false);
            Add("cluster_login_p99_ms", "IMAP login latency p99, cluster target", "ms", false, versus, s => s.Target, s => s.P99Ms, proxiesOnly: true, ratios: false);
            Add("cluster_cpu_ms_per_login", "CPU per login, all proxy processes (cluster: Frontends + silos + Redis)", "ms", false, versus, s => s.Target,
                s => s.ProxyCpuMsPerLogin, proxiesOnly: true, ratios: false);
            Add("cluster_frontends_cpu_ms_per_login", "cluster: the 2 Frontends' CPU per login", "ms", false, cluster, s => s.Login.Target, s => s.FrontendsCpuMsPerLogin, proxiesOnly: true, ratios: false);
            Add("cluster_silos_cpu_ms_per_login", "cluster: the 2 silos' CPU per login", "ms", false, cluster, s => s.Login.Target, s => s.SilosCpuMsPerLogin, proxiesOnly: true, ratios: false);
            Add("cluster_redis_cpu_ms_per_login", "cluster: Redis CPU per login", "ms", false, cluster, s => s.Login.Target, s => s.RedisCpuMsPerLogin, proxiesOnly: true, ratios: false);
        }

        // Bytes the Frontend's runtime allocated per IMAP login (its /metrics, the runtime's counter).
        if (_runner.Logins.Any(s => s.AllocatedBytesPerLogin is not null))
        {
            Add("allocated_kb_per_login", "OrleansMail bytes allocated per login (every login asks the auth server)", "KB", false, logins, s => s.Target,
                s => s.AllocatedBytesPerLogin / 1024, proxiesOnly: true, ratios: false);
        }
        if (_runner.WarmLogins.Any(s => s.AllocatedBytesPerLogin is not null))
        {
            Add("warm_allocated_kb_per_login", "OrleansMail bytes allocated per login (auth cache warm; + embedded silo)", "KB", false,
                _runner.WarmLogins.Select(s => s with { Target = Orleans }).ToList(), s => s.Target, s => s.AllocatedBytesPerLogin / 1024, proxiesOnly: true, ratios: false);
        }

        // OrleansMail with its auth-decision cache warm (README "LoginPolicy"), in the OrleansMail column, next to
        // nginx (which asks the auth server for every login; its samples are the IMAP login rows above). CPU per login
        // counts the proxy (with its embedded silo: the grains) and the auth server.
        var warm = _runner.WarmLogins;
        if (warm.Count > 0)
        {
            var versus = logins.Where(s => NginxVariants.Contains(s.Target)).Concat(warm.Select(s => s with { Target = Orleans })).ToList();
            Add("warm_logins_per_second", $"IMAP logins/s, OrleansMail auth cache warm (concurrency {_options.Concurrency})", "1/s", true, versus, s => s.Target, s => s.LoginsPerSecond, proxiesOnly: true);
            Add("warm_login_p99_ms", "IMAP login latency p99, auth cache warm", "ms", false, versus, s => s.Target, s => s.P99Ms, proxiesOnly: true);
            Add("warm_proxy_cpu_ms_per_login", "proxy (+ silo) CPU per login, auth cache warm", "ms", false, versus, s => s.Target, s => s.ProxyCpuMsPerLogin, proxiesOnly: true);
            Add("warm_proxy_auth_cpu_ms_per_login", "proxy (+ silo) + auth server CPU per login, auth cache warm", "ms", false, versus, s => s.Target,
                s => (s.ProxyCpuMsPerLogin ?? 0) + s.AuthCpuMsPerLogin, proxiesOnly: true);
            Add("warm_auth_requests_per_login", "auth server requests per login, auth cache warm", "", false, versus, s => s.Target,
                s => s.Logins > 0 ? (double)s.AuthDecisions / s.Logins : null, proxiesOnly: true);
        }

        // POP3 and SMTP: direct is Dovecot's POP3, and for SMTP Postfix's smtpd (AUTH through Dovecot's auth
        // service; the proxies answer 235 themselves and send XCLIENT to Postfix).
        void AddLoginRows(string protocol, string how, List<LoginSample> samples, string? keyPrefix = null)
        {
            var key = keyPrefix ?? protocol.ToLowerInvariant();
            Add($"{key}_logins_per_second", $"{protocol} logins/s ({how}, concurrency {_options.Concurrency})", "1/s", true, samples, s => s.Target, s => s.LoginsPerSecond);
            Add($"{key}_login_p50_ms", $"{protocol} login latency p50", "ms", false, samples, s => s.Target, s => s.P50Ms);
            Add($"{key}_login_p99_ms", $"{protocol} login latency p99", "ms", false, samples, s => s.Target, s => s.P99Ms);
            Add($"{key}_proxy_cpu_ms_per_login", $"{protocol} proxy CPU per login", "ms", false, samples, s => s.Target, s => s.ProxyCpuMsPerLogin, proxiesOnly: true);
            Add($"{key}_auth_cpu_ms_per_login", $"{protocol} auth server CPU per login", "ms", false, samples, s => s.Target, s => s.AuthCpuMsPerLogin, vsDirect: false);
        }
        // IMAP logins with AUTHENTICATE OAUTHBEARER (SASL-IR) and a TokenBytes token: direct Dovecot (its oauth2
        // passdb asks the auth server's introspection endpoint) and OrleansMail (the auth server decides, then the token is
        // passed on to Dovecot, which introspects it too). nginx cannot proxy OAUTHBEARER: OrleansMail's figure is put
        // next to its own LOGIN rows of the same rounds (the "÷ LOGIN" rows, direct's likewise).
        var oauth = _runner.OAuthLogins;
        if (oauth.Count > 0)
        {
            AddLoginRows("IMAP OAUTHBEARER", $"AUTHENTICATE with a {_options.TokenBytes}-byte token", oauth, "oauthbearer");
            Add("oauthbearer_dovecot_cpu_ms_per_login", "IMAP OAUTHBEARER Dovecot CPU per login (its token introspection included)", "ms", false, oauth,
                s => s.Target, s => s.DovecotCpuMsPerLogin);
            void OverLogin(string key, string label, Func<LoginSample, double?> value)
            {
                var medians = new Dictionary<string, double?>();
                foreach (var name in _targetNames)
                {
                    var bearer = Median(oauth.Where(s => s.Target == name).Select(value));
                    var login = Median(logins.Where(s => s.Target == name).Select(value));
                    medians[name] = bearer is { } b && login is { } l && l != 0 ? b / l : null;
                }
                rows.Add(new MetricRow(key, label, "×", false, medians, null, null, null));
            }
            OverLogin("oauthbearer_over_login_logins_per_second", "IMAP OAUTHBEARER ÷ LOGIN of the same target: logins/s", s => s.LoginsPerSecond);
            OverLogin("oauthbearer_over_login_p99_ms", "IMAP OAUTHBEARER ÷ LOGIN of the same target: login latency p99", s => s.P99Ms);
            OverLogin("oauthbearer_over_login_proxy_cpu_ms_per_login", "IMAP OAUTHBEARER ÷ LOGIN of the same target: proxy CPU per login", s => s.ProxyCpuMsPerLogin);
        }

        var pop3 = _runner.Pop3Logins;
        if (pop3.Count > 0)
        {
            AddLoginRows("POP3", "USER/PASS", pop3);
            Add("pop3_dovecot_cpu_ms_per_login", "POP3 Dovecot CPU per login", "ms", false, pop3, s => s.Target, s => s.DovecotCpuMsPerLogin);
        }
        var smtp = _runner.SmtpLogins;
        var messages = _runner.Messages;
        if (smtp.Count > 0)
        {
            AddLoginRows("SMTP", "EHLO, AUTH PLAIN", smtp);
            Add("smtp_postfix_cpu_ms_per_login", "SMTP Postfix CPU per login", "ms", false, smtp, s => s.Target, s => s.PostfixCpuMsPerLogin);
            Add("smtp_dovecot_cpu_ms_per_login", "SMTP Dovecot CPU per login (direct: SASL)", "ms", false, smtp, s => s.Target, s => s.DovecotCpuMsPerLogin, vsDirect: false);
        }
        if (messages.Count > 0)
        {
            Add("smtp_messages_per_second",
                $"SMTP messages/s ({_options.SmtpMessageBytes / 1024} KB, concurrency {_options.SmtpConcurrency}, {_options.MessagesPerConnection} per connection)",
                "1/s", true, messages, s => s.Target, s => s.MessagesPerSecond);
            Add("smtp_proxy_cpu_ms_per_message", "SMTP proxy CPU per message", "ms", false, messages, s => s.Target, s => s.ProxyCpuMsPerMessage, proxiesOnly: true);
            Add("smtp_postfix_cpu_ms_per_message", "SMTP Postfix CPU per message", "ms", false, messages, s => s.Target, s => s.PostfixCpuMsPerMessage);
        }
        if (pop3.Count + smtp.Count > 0)
        {
            Add("pop3_smtp_errors", "POP3 + SMTP errors (sum of rounds)", "", false, pop3, s => s.Target, s => null, ratios: false);
            var protocolErrors = rows[^1];
            foreach (var name in _targetNames)
            {
                var mine = pop3.Where(s => s.Target == name).Select(s => s.Errors)
                    .Concat(smtp.Where(s => s.Target == name).Select(s => s.Errors))
                    .Concat(messages.Where(s => s.Target == name).Select(s => s.Errors)).ToList();
                protocolErrors.Medians[name] = mine.Count == 0 ? null : mine.Sum();
            }
        }
        AddTlsRows(rows);
        return rows;
    }

    private MetricRow Row(string key) => Rows.Single(r => r.Key == key);

    private MetricRow? FindRow(string key) => Rows.SingleOrDefault(r => r.Key == key);

    private List<TargetCheck> BuildChecks()
    {
        var checks = new List<TargetCheck>();
        if (_options.OnlyTls)
        {
            AddTlsChecks(checks);
            return checks;
        }
        string F(double? v, string format = "F2") => v?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";
        void Ratio(string key, string text, double limit, bool atLeast, string? against = null)
        {
            var row = Row(key);
            double? ratio = against switch
            {
                null => row.RatioToNginx,
                Direct => row.RatioToDirect,
                _ => row.Medians.GetValueOrDefault(Orleans) is { } o && row.Medians.GetValueOrDefault(against) is { } a && a != 0 ? o / a : null,
            };
            var vs = against ?? row.BestNginx ?? "nginx";
            var met = ratio is { } r && (atLeast ? r >= limit : r <= limit);
            checks.Add(new TargetCheck(text, $"{F(row.Medians.GetValueOrDefault(Orleans))} vs {vs} {F(row.Medians.GetValueOrDefault(vs))} {row.Unit}: ratio {F(ratio)}", met));
        }
        Ratio("logins_per_second", "logins/s ≥ nginx's (better variant)", 1, true);
        Ratio("proxy_cpu_ms_per_login", "proxy CPU per login ≤ nginx's", 1, false);
        if (_options.OnlyLogins) return checks;
        Ratio("relay_mb_per_second", "relay MB/s ≥ 0.95 × direct", 0.95, true, Direct);
        Ratio("relay_mb_per_second", "relay MB/s ≥ nginx with proxy_buffer 64k", 1, true, "nginx-64k");
        Ratio("proxy_cpu_s_per_gb", "proxy CPU s/GB ≤ nginx's", 1, false);
        Ratio("idle_rss_kb_per_session", "RSS per idle session ≤ nginx's", 1, false);
        var idleErrors = Row("idle_errors").Medians.GetValueOrDefault(Orleans) ?? -1;
        var sessions = _runner.Idles.Where(s => s.Target == Orleans).Select(s => s.Opened).DefaultIfEmpty(0).Min();
        checks.Add(new TargetCheck("5,000 idle sessions, zero errors", $"{sessions} sessions held (min over rounds), {idleErrors} errors", sessions >= 5000 && idleErrors == 0));
        Ratio("login_p99_ms", "p99 login latency ≤ nginx's", 1, false);

        // The targets of README "Benchmark", as ratios of the same run.
        void Versus(string text, string key, string? versusKey, string versusTarget, double limit, bool atLeast, string? versusLabel = null) =>
            AddVersus(checks, text, key, versusKey, versusTarget, limit, atLeast, versusLabel);
        Versus("warm: proxy (+ silo) CPU per login ≤ nginx's proxy + auth server CPU per login", "warm_proxy_cpu_ms_per_login", "warm_proxy_auth_cpu_ms_per_login",
            "nginx", 1, false, "nginx proxy + auth");
        Versus("warm: proxy (+ silo) CPU per login ≤ 0.8 × OrleansMail's cold login", "warm_proxy_cpu_ms_per_login", "proxy_cpu_ms_per_login", Orleans, 0.8, false, "cold");
        Versus("cold: proxy CPU per login ≤ 1.5 × nginx's", "proxy_cpu_ms_per_login", null, "nginx", 1.5, false);
        if (FindRow("commands_per_second") is not null) Ratio("commands_per_second", "steady-state commands/s ≥ 0.97 × nginx's (better variant)", 0.97, true);
        Versus("SMTP proxy CPU per message ≤ 1.5 × nginx's", "smtp_proxy_cpu_ms_per_message", null, "nginx", 1.5, false);
        Versus("proxy CPU s/GB ≤ nginx-64k's", "proxy_cpu_s_per_gb", null, "nginx-64k", 1, false);
        void Allocations(string key, string text)
        {
            if (FindRow(key)?.Medians.GetValueOrDefault(Orleans) is not { } kb) return;
            checks.Add(new TargetCheck(text, string.Create(CultureInfo.InvariantCulture, $"{kb:F1} KB per login"), kb <= 8));
        }
        Allocations("allocated_kb_per_login", "bytes allocated per login ≤ 8 KB (cold)");
        Allocations("warm_allocated_kb_per_login", "bytes allocated per login ≤ 8 KB (auth cache warm)");
        MetricsCost(checks, "proxy_cpu_ms_per_login", "metrics on: proxy CPU per login < 3 % over metrics off");
        MetricsCost(checks, "proxy_cpu_s_per_gb", "metrics on: proxy CPU per GB relayed < 3 % over metrics off");
        AddTlsChecks(checks);
        return checks;
    }

    /// <summary>
    /// OrleansMail's figure of row <paramref name="key"/> against <paramref name="versusTarget"/>'s figure of row
    /// <paramref name="versusKey"/> (the same row when null), checked against <paramref name="limit"/>; absent rows add nothing.
    /// </summary>
    private void AddVersus(List<TargetCheck> checks, string text, string key, string? versusKey, string versusTarget, double limit, bool atLeast, string? versusLabel = null)
    {
        static string F(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";
        if (FindRow(key) is not { } row || FindRow(versusKey ?? key) is not { } other) return;
        var mine = row.Medians.GetValueOrDefault(Orleans);
        var theirs = other.Medians.GetValueOrDefault(versusTarget);
        double? ratio = mine is { } m && theirs is { } t && t != 0 ? m / t : null;
        var met = ratio is { } r && (atLeast ? r >= limit : r <= limit);
        checks.Add(new TargetCheck(text, $"{F(mine, "F3")} vs {versusLabel ?? versusTarget} {F(theirs, "F3")} {row.Unit}: ratio {F(ratio, "F2")}", met));
    }

    /// <summary>
    /// The cost of metrics: OrleansMail (metrics on, the default) against the same process with
    /// <c>Metrics:Enabled=false</c>, measured in the same interleaved rounds; absent when that target was not run.
    /// </summary>
    private void MetricsCost(List<TargetCheck> checks, string key, string text)
    {
        var row = Row(key);
        if (row.Medians.GetValueOrDefault(Orleans) is not { } on || row.Medians.GetValueOrDefault(MetricsOff) is not { } off || off == 0) return;
        var cost = (on - off) / off;
        checks.Add(new TargetCheck(text, string.Create(CultureInfo.InvariantCulture, $"{on:F3} vs {off:F3} {row.Unit}: {cost * 100:+0.0;-0.0} %"), cost < 0.03));
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public void Write(string prefix)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(prefix));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllText(prefix + ".json", ToJson());
        File.WriteAllText(prefix + ".md", ToMarkdown(Path.GetFileName(prefix) + ".svg"));
        File.WriteAllText(prefix + ".svg", ToSvg());
    }

    private string ToJson()
    {
        var document = new
        {
            Finished = _finished.ToString("u", CultureInfo.InvariantCulture),
            Mode = _options.Mode,
            ElapsedSeconds = Math.Round(_elapsedSeconds, 1),
            Machine = new { Cores = Environment.ProcessorCount, Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, Versions = _options.Versions },
            Settings = new
            {
                _options.Rounds, _options.Concurrency, _options.LoginSeconds, _options.RelaySeconds, _options.WarmupSeconds,
                _options.IdleSessions, _options.IdleHoldSeconds, _options.Users, MessageBytes = _runner.MessageBytes,
                Targets = _options.Targets.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList(),
                Pop3Targets = _options.Pop3Targets.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList(),
                SmtpTargets = _options.SmtpTargets.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList(),
                WarmTargets = _options.WarmTargets.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList(),
                OAuthTargets = _options.OAuthTargets.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList(),
                TlsTargets = _options.TlsTargets.ToDictionary(p => p.Key, p => p.Value.Select(t => new { t.Name, t.Port, Proxy = t.IsProxy }).ToList()),
                _options.OnlyTls,
                _options.TokenBytes,
                _options.SmtpConcurrency, _options.SmtpMessageBytes, _options.MessagesPerConnection,
                _options.CommandsClients, _options.CommandsDepth, _options.CommandsSeconds,
            },
            Metrics = Rows,
            Targets = Checks,
            Samples = new
            {
                Logins = _runner.Logins, Relay = _runner.Relays, Idle = _runner.Idles,
                Pop3Logins = _runner.Pop3Logins, SmtpLogins = _runner.SmtpLogins, SmtpMessages = _runner.Messages,
                WarmLogins = _runner.WarmLogins, Commands = _runner.Commands, PipelinedCommands = _runner.PipelinedCommands,
                ClusterLogins = _runner.ClusterLogins, OAuthLogins = _runner.OAuthLogins,
                TlsLogins = _runner.TlsLogins, TlsRelay = _runner.TlsRelays,
            },
        };
        return JsonSerializer.Serialize(document, JsonOptions) + "\n";
    }

    private static string Display(string target) => target switch
    {
        Direct => "direct",
        "nginx" => "nginx",
        "nginx-64k" => "nginx 64k",
        Orleans => "OrleansMail",
        MetricsOff => "OrleansMail metrics off",
        Baseline => "OrleansMail baseline",
        ClusterTarget.Name => "OrleansMail cluster",
        _ => target,
    };

    private static string Number(double? value, string unit)
    {
        if (value is not { } v) return "—";
        var format = unit switch
        {
            "1/s" or "MB/s" => "N0",
            "ms" when v < 1 => "F3",
            "ms" => "F2",
            "×" => "F2",
            "s/GB" => "F3",
            "KB" => "F1",
            "%" => "F0",
            _ => "N0",
        };
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    public string ToMarkdown(string svgName)
    {
        var sb = new StringBuilder();
        var smtpSettings = _options.SmtpTargets.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $", SMTP messages {_options.RelaySeconds:0.#} s × concurrency {_options.SmtpConcurrency}")
            : "";
        var scenarios = _options.OnlyLogins
            ? "; plaintext logins only (--only logins)"
            : string.Create(CultureInfo.InvariantCulture, $", relay {_options.RelaySeconds:0.#} s on 1 connection") +
              (_options.OnlyTls ? "; TLS scenarios only (--only tls)" : $", {_options.IdleSessions} idle sessions{smtpSettings}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Run {_finished:yyyy-MM-dd HH:mm} UTC, mode `{_options.Mode}`, {Environment.ProcessorCount} cores, " +
            $"median of {_options.Rounds} interleaved round(s); logins {_options.LoginSeconds:0.#} s × concurrency {_options.Concurrency}{scenarios}. {_options.Versions}");
        sb.AppendLine();
        sb.Append("| metric |");
        foreach (var name in _targetNames) sb.Append(CultureInfo.InvariantCulture, $" {Display(name)} |");
        sb.AppendLine(" OrleansMail / nginx (better) | OrleansMail / direct |");
        sb.Append("|---|");
        foreach (var _ in _targetNames) sb.Append("---:|");
        sb.AppendLine("---:|---:|");
        foreach (var row in Rows)
        {
            var unit = row.Unit is "" or "1/s" ? string.Empty : $" ({row.Unit})";
            var better = row.RatioToNginx is null && row.RatioToDirect is null ? string.Empty : row.HigherIsBetter ? " ↑" : " ↓";
            sb.Append(CultureInfo.InvariantCulture, $"| {row.Label}{unit}{better} |");
            foreach (var name in _targetNames) sb.Append(CultureInfo.InvariantCulture, $" {Number(row.Medians.GetValueOrDefault(name), row.Unit)} |");
            var nginxRatio = row.RatioToNginx is { } r ? $"{r:F2} (vs {Display(row.BestNginx!)})" : "—";
            var directRatio = row.RatioToDirect is { } d ? $"{d:F2}" : "—";
            sb.AppendLine(CultureInfo.InvariantCulture, $" {nginxRatio} | {directRatio} |");
        }
        sb.AppendLine();
        sb.AppendLine("↑ higher is better, ↓ lower is better. CPU is utime+stime from /proc of the whole process tree (nginx master + worker; " +
            "Dovecot master and all its children; Postfix master and all its children; OrleansMail is one process with its embedded silo). MB = 10⁶ bytes. " +
            "direct: Dovecot for IMAP and POP3; for SMTP Postfix's smtpd, whose AUTH PLAIN asks Dovecot's auth service (SASL), " +
            "while the proxies answer 235 themselves after their auth_http request and send XCLIENT to Postfix (xclient on). " +
            "Postfix discards every message (discard transport, queue in memory).");
        if (_options.TlsTargets.Count > 0) sb.AppendLine().AppendLine(TlsNote);
        sb.AppendLine();
        sb.AppendLine("| target (README \"Benchmark\") | measured | met |");
        sb.AppendLine("|---|---|:-:|");
        foreach (var check in Checks) sb.AppendLine(CultureInfo.InvariantCulture, $"| {check.Target} | {check.Measured} | {(check.Met ? "yes" : "**no**")} |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"![OrleansMail ratios]({svgName})");
        return sb.ToString();
    }

    /// <summary>Horizontal bars: OrleansMail/nginx (better variant) and OrleansMail/direct per metric, a line at 1.0.</summary>
    public string ToSvg()
    {
        var rows = Rows.Where(r => r.RatioToNginx is not null || r.RatioToDirect is not null).ToList();
        const int left = 330, barArea = 420, rowHeight = 46, top = 70, barHeight = 16;
        var max = Math.Max(2.0, rows.SelectMany(r => new[] { r.RatioToNginx ?? 0, r.RatioToDirect ?? 0 }).DefaultIfEmpty(0).Max() * 1.1);
        max = Math.Min(max, 10);
        var width = left + barArea + 80;
        var height = top + rows.Count * rowHeight + 40;
        double Xv(double ratio) => left + Math.Min(ratio, max) / max * barArea;
        string X(double ratio) => Xv(ratio).ToString("F1", CultureInfo.InvariantCulture);
        string E(string s) => WebUtility.HtmlEncode(s);

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">OrleansMail relative to nginx (better variant) and to a direct connection</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"42\">{E($"{_finished:yyyy-MM-dd HH:mm} UTC, {_options.Mode}, median of {_options.Rounds}; ↑ higher is better, ↓ lower is better")}</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"50\" width=\"12\" height=\"10\" fill=\"#3b7dd8\"/><text x=\"{left + 16}\" y=\"59\">÷ nginx</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{left + 90}\" y=\"50\" width=\"12\" height=\"10\" fill=\"#e39b2d\"/><text x=\"{left + 106}\" y=\"59\">÷ direct</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = top + i * rowHeight;
            var arrow = row.HigherIsBetter ? "↑" : "↓";
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 20}\" text-anchor=\"end\">{E($"{row.Label} {arrow}")}</text>");
            void Bar(double? ratio, int offset, string color)
            {
                if (ratio is not { } r) return;
                var good = row.HigherIsBetter ? r >= 1 : r <= 1;
                sb.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y + offset}\" width=\"{Xv(r) - left:F1}\" height=\"{barHeight}\" fill=\"{color}\"/>");
                sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Xv(r) + 4:F1}\" y=\"{y + offset + 12}\" fill=\"{(good ? "#1a7f37" : "#cf222e")}\">{r:F2}</text>");
            }
            Bar(row.RatioToNginx, 4, "#3b7dd8");
            Bar(row.RatioToDirect, 4 + barHeight + 2, "#e39b2d");
        }
        var one = X(1);
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{one}\" y1=\"{top - 4}\" x2=\"{one}\" y2=\"{top + rows.Count * rowHeight}\" stroke=\"black\" stroke-dasharray=\"4 3\"/>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{one}\" y=\"{top + rows.Count * rowHeight + 16}\" text-anchor=\"middle\">1.0</text>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left + barArea}\" y=\"{top + rows.Count * rowHeight + 16}\" text-anchor=\"middle\">{max:F1}</text>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    /// <summary>Smoke-mode check: every scenario produced numbers for every target, zero errors, files written.</summary>
    public List<string> Problems(string prefix)
    {
        var problems = new List<string>();
        AddTlsProblems(problems);
        List<LoginSample> CheckLogins(string protocol, BenchTarget target, List<LoginSample> samples)
        {
            var mine = samples.Where(s => s.Target == target.Name).ToList();
            if (mine.Count == 0 || mine.Any(s => s.Logins <= 0 || s.LoginsPerSecond <= 0 || s.P99Ms <= 0))
                problems.Add($"{target.Name}: {protocol} login scenario produced no numbers");
            if (mine.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: {mine.Sum(s => s.Errors)} {protocol} login errors ({mine.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
            if (target.IsProxy && mine.Any(s => s.AuthDecisions < s.Logins))
                problems.Add($"{target.Name}: fewer auth_http decisions than {protocol} logins (every login must be decided by the auth server)");
            if (target.IsProxy && mine.Any(s => s.ProxyCpuMsPerLogin is not > 0)) problems.Add($"{target.Name}: no proxy CPU measured ({protocol})");
            return mine;
        }
        foreach (var target in _options.Targets)
        {
            var logins = CheckLogins("IMAP", target, _runner.Logins);
            if (logins.Any(s => s.DovecotCpuMsPerLogin <= 0)) problems.Add($"{target.Name}: no Dovecot CPU measured");

            var relays = _runner.Relays.Where(s => s.Target == target.Name).ToList();
            if (relays.Count == 0 || relays.Any(s => s.Bytes <= 0 || s.MegabytesPerSecond <= 0 || s.Bytes % _runner.MessageBytes != 0))
                problems.Add($"{target.Name}: relay scenario produced no numbers (or partial messages)");
            if (relays.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: relay errors ({relays.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");

            foreach (var (variant, samples) in new[] { ("steady-state", _runner.Commands), ("pipelined", _runner.PipelinedCommands) })
            {
                var mine = samples.Where(s => s.Target == target.Name).ToList();
                if (mine.Count == 0 || mine.Any(s => s.Commands <= 0 || s.P99Ms <= 0 || s.DovecotCpuMsPer1000 <= 0))
                    problems.Add($"{target.Name}: {variant} command scenario produced no numbers");
                if (mine.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: {variant} command errors ({mine.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
                if (target.IsProxy && mine.Any(s => s.ProxyCpuMsPer1000 is not > 0)) problems.Add($"{target.Name}: no proxy CPU measured ({variant} commands)");
            }
            if (_options.MetricsUrls.ContainsKey(target.Name) && logins.Any(s => s.AllocatedBytesPerLogin is not > 0))
                problems.Add($"{target.Name}: no allocation counter read from {_options.MetricsUrls[target.Name]}");

            if (!target.IsProxy) continue;
            var idles = _runner.Idles.Where(s => s.Target == target.Name).ToList();
            if (idles.Count == 0 || idles.Any(s => s.Opened != s.Sessions || s.ProxyRssHeldBytes <= 0))
                problems.Add($"{target.Name}: idle scenario did not hold every session");
            if (idles.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: idle errors ({idles.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
        }
        foreach (var target in _options.OAuthTargets)
        {
            if (CheckLogins("IMAP OAUTHBEARER", target, _runner.OAuthLogins).Any(s => s.DovecotCpuMsPerLogin <= 0))
                problems.Add($"{target.Name}: no Dovecot CPU measured (IMAP OAUTHBEARER)");
        }
        foreach (var target in _options.Pop3Targets)
        {
            if (CheckLogins("POP3", target, _runner.Pop3Logins).Any(s => s.DovecotCpuMsPerLogin <= 0)) problems.Add($"{target.Name}: no Dovecot CPU measured (POP3)");
        }
        foreach (var target in _options.SmtpTargets)
        {
            if (CheckLogins("SMTP", target, _runner.SmtpLogins).Any(s => s.PostfixCpuMsPerLogin is not > 0)) problems.Add($"{target.Name}: no Postfix CPU measured (SMTP logins)");
            var messages = _runner.Messages.Where(s => s.Target == target.Name).ToList();
            if (messages.Count == 0 || messages.Any(s => s.Messages <= 0 || s.MessagesPerSecond <= 0 || s.PostfixCpuMsPerMessage <= 0))
                problems.Add($"{target.Name}: SMTP message scenario produced no numbers");
            if (messages.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: SMTP message errors ({messages.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
            if (target.IsProxy && messages.Any(s => s.ProxyCpuMsPerMessage is not > 0)) problems.Add($"{target.Name}: no proxy CPU measured (SMTP messages)");
        }
        foreach (var target in _options.WarmTargets)
        {
            var mine = _runner.WarmLogins.Where(s => s.Target == target.Name).ToList();
            if (mine.Count == 0 || mine.Any(s => s.Logins <= 0 || s.LoginsPerSecond <= 0 || s.ProxyCpuMsPerLogin is not > 0))
                problems.Add($"{target.Name}: warm-cache login scenario produced no numbers");
            if (mine.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: {mine.Sum(s => s.Errors)} warm-cache login errors ({mine.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
            // The cache must answer: at most one auth request per user per round (the TTL outlives a round).
            if (_options.MetricsUrls.ContainsKey(target.Name) && mine.Any(s => s.AllocatedBytesPerLogin is not > 0))
                problems.Add($"{target.Name}: no allocation counter read from {_options.MetricsUrls[target.Name]}");
            if (mine.Any(s => s.AuthDecisions > _options.Users)) problems.Add($"{target.Name}: the auth cache did not answer (auth requests {string.Join(", ", mine.Select(s => s.AuthDecisions))})");
        }
        // The rows of README "Benchmark"'s scenarios are in the table, with OrleansMail's (or the cluster's) figure.
        var rows = new List<(string Key, string Column)>();
        if (!_options.OnlyTls)
        {
            rows.AddRange([("commands_per_second", Orleans), ("proxy_cpu_ms_per_1000_commands", Orleans),
                ("pipelined_commands_per_second", Orleans), ("pipelined_proxy_cpu_ms_per_1000_commands", Orleans)]);
        }
        if (_options.MetricsUrls.ContainsKey(Orleans)) rows.Add(("allocated_kb_per_login", Orleans));
        if (_options.OAuthTargets.Any(t => t.Name == Orleans))
        {
            rows.AddRange([("oauthbearer_logins_per_second", Orleans), ("oauthbearer_login_p99_ms", Orleans), ("oauthbearer_proxy_cpu_ms_per_login", Orleans),
                ("oauthbearer_over_login_proxy_cpu_ms_per_login", Orleans)]);
        }
        if (_options.WarmTargets.Any(t => _options.MetricsUrls.ContainsKey(t.Name))) rows.Add(("warm_allocated_kb_per_login", Orleans));
        if (_options.Cluster is not null)
        {
            rows.AddRange([("cluster_logins_per_second", ClusterTarget.Name), ("cluster_cpu_ms_per_login", ClusterTarget.Name),
                ("cluster_frontends_cpu_ms_per_login", ClusterTarget.Name), ("cluster_silos_cpu_ms_per_login", ClusterTarget.Name)]);
        }
        foreach (var (key, column) in rows)
        {
            if (FindRow(key)?.Medians.GetValueOrDefault(column) is not > 0) problems.Add($"report: row {key} has no {column} figure");
        }
        if (_options.Cluster is not null)
        {
            var mine = _runner.ClusterLogins;
            if (mine.Count == 0 || mine.Any(s => s.Login.Logins <= 0 || s.FrontendsCpuMsPerLogin <= 0 || s.SilosCpuMsPerLogin <= 0))
                problems.Add($"{ClusterTarget.Name}: cluster login scenario produced no numbers");
            if (mine.Any(s => s.Login.Errors != 0)) problems.Add($"{ClusterTarget.Name}: {mine.Sum(s => s.Login.Errors)} login errors ({mine.FirstOrDefault(s => s.Login.FirstError is not null)?.Login.FirstError})");
            if (mine.Any(s => s.Login.AuthDecisions < s.Login.Logins)) problems.Add($"{ClusterTarget.Name}: fewer auth_http decisions than logins");
        }
        foreach (var extension in new[] { ".json", ".md", ".svg" })
        {
            var file = new FileInfo(prefix + extension);
            if (!file.Exists || file.Length == 0) problems.Add($"{file.FullName} not written");
        }
        return problems;
    }
}
