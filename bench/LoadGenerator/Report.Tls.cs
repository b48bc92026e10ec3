namespace OrleansMail.Bench;

/// <summary>
/// The TLS rows (README "Benchmark"): per TLS scenario the plaintext rows' figures (rate, p99, proxy CPU per login, the
/// upstream's CPU) and the share of handshakes each side resumed; the relay over TLS as MB/s and CPU s/GB; the TLS
/// targets; and the smoke check that every TLS row has its numbers and no errors.
/// </summary>
internal sealed partial class Report
{
    private const string TlsNote =
        "TLS rows: every server has the same self-signed certificates (RSA-2048; ECDSA P-256 for the ECDSA row only), " +
        "which the client pins; nginx and OrleansMail run ssl_session_cache shared:SSL:10m and ssl_session_tickets on, Dovecot " +
        "and Postfix their defaults. The client's TLS is .NET's SslStream (OpenSSL), resumption off except in the resumption " +
        "row, where each target has its own SNI name (the client's session cache key). A handshake counts as resumed when " +
        "the server sent fewer bytes than its certificate's DER, so it cannot have sent it (RFC 8446 §2.2, RFC 5246 §7.3). " +
        "direct: Dovecot's imaps/pop3s listeners and STARTTLS, Postfix's smtpd STARTTLS; the TLS relay runs against nginx 64k.";

    private void AddTlsRows(List<MetricRow> rows)
    {
        foreach (var scenario in TlsScenarios.All)
        {
            if (scenario.Kind == TlsScenarioKind.Relay || !_runner.TlsLogins.TryGetValue(scenario.Key, out var samples)) continue;
            var key = scenario.Key;
            var submission = scenario.Kind == TlsScenarioKind.Submission;
            var what = submission ? "submission" : "login";
            var concurrency = submission ? _options.SmtpConcurrency : _options.Concurrency;
            AddRow(rows, $"{key}_logins_per_second", $"{scenario.Label}: {what}s/s (concurrency {concurrency})", "1/s", true, samples, s => s.Target, s => s.LoginsPerSecond);
            AddRow(rows, $"{key}_login_p99_ms", $"{scenario.Label}: {what} latency p99 (connect to {(submission ? "the message's 250" : "logged in")})", "ms", false,
                samples, s => s.Target, s => s.P99Ms);
            AddRow(rows, $"{key}_proxy_cpu_ms_per_login", $"{scenario.Label}: proxy CPU per {what}", "ms", false, samples, s => s.Target, s => s.ProxyCpuMsPerLogin, proxiesOnly: true);
            if (submission)
                AddRow(rows, $"{key}_postfix_cpu_ms_per_login", $"{scenario.Label}: Postfix CPU per {what}", "ms", false, samples, s => s.Target, s => s.PostfixCpuMsPerLogin);
            else
                AddRow(rows, $"{key}_dovecot_cpu_ms_per_login", $"{scenario.Label}: Dovecot CPU per {what}", "ms", false, samples, s => s.Target, s => s.DovecotCpuMsPerLogin);
            // Measured, not assumed: a side that does not resume shows 0 here (TlsClient's wire-level proof).
            AddRow(rows, $"{key}_resumed_percent", $"{scenario.Label}: handshakes resumed (0 = that side did not resume)", "%", true, samples,
                s => s.Target, s => s.TlsResumedPercent, ratios: false);
        }
        if (_runner.TlsRelays.Count > 0)
        {
            var label = TlsScenarios.Get("tls_relay").Label;
            AddRow(rows, "tls_relay_mb_per_second", label, "MB/s", true, _runner.TlsRelays, s => s.Target, s => s.MegabytesPerSecond);
            AddRow(rows, "tls_proxy_cpu_s_per_gb", "proxy CPU per GB relayed over TLS", "s/GB", false, _runner.TlsRelays, s => s.Target, s => s.ProxyCpuSecondsPerGb, proxiesOnly: true);
            AddRow(rows, "tls_dovecot_cpu_s_per_gb", "Dovecot CPU per GB relayed over TLS (direct: Dovecot encrypts)", "s/GB", false, _runner.TlsRelays,
                s => s.Target, s => s.DovecotCpuSecondsPerGb);
        }
        if (_runner.TlsLogins.Count + _runner.TlsRelays.Count > 0)
        {
            var errors = new MetricRow("tls_errors", "TLS errors (sum of rounds)", "", false, [], null, null, null);
            foreach (var name in _targetNames)
            {
                var mine = _runner.TlsLogins.Values.SelectMany(l => l).Where(s => s.Target == name).Select(s => s.Errors)
                    .Concat(_runner.TlsRelays.Where(s => s.Target == name).Select(s => s.Errors)).ToList();
                errors.Medians[name] = mine.Count == 0 ? null : mine.Sum();
            }
            rows.Add(errors);
        }
    }

    /// <summary>The TLS targets: TLS login CPU ≤ 1.2 × nginx's (full handshake), ≤ 1.0 × resumed; TLS relay s/GB ≤ 1.2 × nginx 64k's.</summary>
    private void AddTlsChecks(List<TargetCheck> checks)
    {
        AddVersus(checks, "TLS full handshake (RSA-2048): proxy CPU per IMAP login ≤ 1.2 × nginx's", "imaps_rsa_proxy_cpu_ms_per_login", null, "nginx", 1.2, false);
        AddVersus(checks, "TLS full handshake (ECDSA P-256): proxy CPU per IMAP login ≤ 1.2 × nginx's", "imaps_ecdsa_proxy_cpu_ms_per_login", null, "nginx", 1.2, false);
        AddVersus(checks, "TLS resumed session: proxy CPU per IMAP login ≤ 1.0 × nginx's", "imaps_resumed_proxy_cpu_ms_per_login", null, "nginx", 1.0, false);
        AddVersus(checks, "TLS relay: proxy CPU s/GB ≤ 1.2 × nginx 64k's", "tls_proxy_cpu_s_per_gb", null, "nginx-64k", 1.2, false);
    }

    /// <summary>Smoke-mode check of the TLS scenarios: numbers for every target, zero errors, full handshakes never resumed.</summary>
    private void AddTlsProblems(List<string> problems)
    {
        foreach (var (key, targets) in _options.TlsTargets)
        {
            var scenario = TlsScenarios.Get(key);
            foreach (var target in targets)
            {
                if (scenario.Kind == TlsScenarioKind.Relay)
                {
                    var relays = _runner.TlsRelays.Where(s => s.Target == target.Name).ToList();
                    if (relays.Count == 0 || relays.Any(s => s.Bytes <= 0 || s.Bytes % _runner.MessageBytes != 0))
                        problems.Add($"{target.Name}: {key} produced no numbers (or partial messages)");
                    if (relays.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: {key} errors ({relays.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
                    if (target.IsProxy && relays.Any(s => s.ProxyCpuSecondsPerGb is not > 0)) problems.Add($"{target.Name}: no proxy CPU measured ({key})");
                    continue;
                }
                var mine = _runner.TlsLogins.GetValueOrDefault(key, []).Where(s => s.Target == target.Name).ToList();
                if (mine.Count == 0 || mine.Any(s => s.Logins <= 0 || s.P99Ms <= 0 || s.TlsHandshakes is not > 0))
                    problems.Add($"{target.Name}: {key} produced no numbers");
                if (mine.Any(s => s.Errors != 0)) problems.Add($"{target.Name}: {mine.Sum(s => s.Errors)} {key} errors ({mine.FirstOrDefault(s => s.FirstError is not null)?.FirstError})");
                if (target.IsProxy && mine.Any(s => s.ProxyCpuMsPerLogin is not > 0)) problems.Add($"{target.Name}: no proxy CPU measured ({key})");
                if (target.IsProxy && mine.Any(s => s.AuthDecisions < s.Logins)) problems.Add($"{target.Name}: fewer auth_http decisions than {key} logins");
                // The client turned resumption off: a resumed handshake here would mean the proof counts wrong.
                if (!scenario.Resume && mine.Any(s => s.TlsResumed is not 0)) problems.Add($"{target.Name}: {key} counted resumed handshakes with resumption off");
            }
            // The row exists with OrleansMail's figure (a resumed share of 0 is a finding, not a failure).
            var row = scenario.Kind == TlsScenarioKind.Relay ? "tls_proxy_cpu_s_per_gb" : $"{key}_proxy_cpu_ms_per_login";
            if (targets.Any(t => t.Name == Orleans) && FindRow(row)?.Medians.GetValueOrDefault(Orleans) is not > 0) problems.Add($"report: row {row} has no {Orleans} figure");
            if (!scenario.Resume || scenario.Kind == TlsScenarioKind.Relay) continue;
            if (FindRow($"{key}_resumed_percent") is not { } resumed || targets.Any(t => resumed.Medians.GetValueOrDefault(t.Name) is null))
                problems.Add($"report: row {key}_resumed_percent is missing a target");
            // nginx is the oracle: with its session cache and tickets on it resumes, so none resumed there means the
            // client did not offer its session (and every side's 0 would be the client's doing, not the server's).
            else if (targets.Any(t => t.Name == "nginx") && resumed.Medians["nginx"] is not > 0)
                problems.Add($"{key}: not one handshake resumed even with nginx: the client did not offer its sessions");
        }
    }
}
