using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansMail.Bench.Soak;

/// <summary>A fault bench/soak.sh injected (its faults.tsv: unix-ms, kind, target).</summary>
internal sealed record Fault(long Ms, string Kind, string Target);

/// <summary>One line of the auth server's answer log (<see cref="SoakAuthServer"/>).</summary>
internal sealed record AuthAnswer(long Ms, string Protocol, string User, string SecretHash, bool Ok, string ClientIp);

/// <summary>
/// The soak's invariants, computed from what the clients saw, the auth server's answer log and the fault log, and the
/// report (markdown + JSON, like bench/results). Each check states its bound; <see cref="Problems"/> lists every
/// broken one, and a non-empty list fails the run.
/// </summary>
internal sealed partial class SoakChecks
{
    private readonly SoakOptions _options;
    private readonly SoakRunner _runner;
    private readonly LoginRecord[] _logins;
    private readonly List<Fault> _faults;
    private readonly List<AuthAnswer> _answers;
    private readonly Dictionary<string, object> _json = [];
    private readonly StringBuilder _md = new();

    public List<string> Problems { get; } = [];

    public SoakChecks(SoakOptions options, SoakRunner runner)
    {
        _options = options;
        _runner = runner;
        _logins = [.. runner.Records.Logins.OrderBy(l => l.StartMs)];
        _faults = File.ReadAllLines(Path.Combine(options.Work, "faults.tsv")).Select(l => l.Split('\t'))
            .Select(p => new Fault(long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2])).ToList();
        _answers = File.ReadAllLines(Path.Combine(options.Work, "auth-answers.tsv")).Select(l => l.Split('\t'))
            .Select(p => new AuthAnswer(long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2], p[3], p[4] == "OK", p[5])).ToList();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public void Run()
    {
        Load();
        NoAllowWithoutOk();
        BruteForceBounds();
        IdleSessions();
        SessionSlots();
        Rss();
        Recovery();
        TemporaryFailures();
        Reloads();
    }

    // ---- reloads: each SIGHUP the script sent applied (the Frontends' error logs, "reload: FILE applied") ------------
    private void Reloads()
    {
        var sent = _faults.Count(f => f.Kind == "reload");
        var lines = Directory.EnumerateDirectories(_options.Work, "frontend*")
            .Select(d => Path.Combine(d, "logs", "error.log")).Where(File.Exists).SelectMany(File.ReadLines).ToList();
        var applied = lines.Count(l => l.Contains("reload: ", StringComparison.Ordinal) && l.Contains(" applied: ", StringComparison.Ordinal));
        var refused = lines.Count(l => l.Contains("reload refused", StringComparison.Ordinal));
        _json["reloads_sent"] = sent;
        _json["reloads_applied"] = applied;
        Verdict("(g) every configuration reload applied", sent > 0 && applied == sent && refused == 0,
            F($"{sent} SIGHUPs after a changed file (imap_capabilities, through an include), {applied} logged as applied, {refused} refused."));
    }

    // ---- what was held and injected ----------------------------------------------------------------------------------
    private void Load()
    {
        var seconds = (_runner.EndedMs - _runner.StartedMs) / 1000.0;
        var byKind = _logins.GroupBy(l => l.Kind).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.GroupBy(l => l.Outcome.ToString()).ToDictionary(o => o.Key, o => o.Count()));
        var loadByProtocol = _logins.Where(l => l.Kind == "load").GroupBy(l => l.Protocol.ToString())
            .ToDictionary(g => g.Key, g => g.Count(l => l.Outcome == LoginOutcome.Allowed));
        var faults = _faults.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => g.Count());
        _json["seconds"] = Math.Round(seconds);
        _json["versions"] = _options.Versions;
        _json["logins_by_kind_and_outcome"] = byKind;
        _json["load_allowed_by_protocol"] = loadByProtocol;
        _json["load_attempts_per_second"] = Math.Round(_logins.Count(l => l.Kind == "load") / seconds, 1);
        _json["relays"] = _runner.Records.Relays.Count;
        _json["idle_sessions"] = _options.IdleSessions;
        _json["idle_established"] = _runner.Records.IdleEstablished;
        _json["idle_done_idle_round_trips"] = _runner.Records.IdleCheckedAlive;
        _json["idle_closed_by_client_at_end"] = _runner.Records.IdleClosedAtEnd;
        _json["faults"] = faults;
        _json["fault_log"] = _faults.Select(f => new { t = Math.Round((f.Ms - _runner.StartedMs) / 1000.0, 1), f.Kind, f.Target }).ToList();
        _json["auth_answers"] = _answers.Count;
        _json["error_examples"] = _logins.Where(l => l.Outcome is LoginOutcome.Error or LoginOutcome.Temporary).GroupBy(l => l.Kind)
            .ToDictionary(g => g.Key, g => g.Take(10).Select(l => new { t = Math.Round((l.StartMs - _runner.StartedMs) / 1000.0, 1), frontend = _options.Frontends[l.Frontend].Name, protocol = l.Protocol.ToString(), outcome = l.Outcome.ToString(), l.Detail }).ToList());

        _md.AppendLine("# Chaos soak");
        _md.AppendLine();
        _md.AppendLine(F($"{seconds / 60:F1} minutes; {_options.Versions}. Redis, three Silo processes, two Frontends (nginx-style configuration files, Orleans clients of the Redis cluster, cluster TLS), two Dovecots as the IMAP and POP3 upstream pool, Postfix for SMTP, the soak's auth_http server (bench/soak.sh)."));
        _md.AppendLine();
        _md.AppendLine("## Load held");
        _md.AppendLine();
        _md.AppendLine("| Clients | Attempts | Allowed | Refused | Temporary failure | Frontend down | Other error |");
        _md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (kind, outcomes) in byKind)
        {
            int C(LoginOutcome o) => outcomes.GetValueOrDefault(o.ToString());
            _md.AppendLine(F($"| {kind} | {outcomes.Values.Sum()} | {C(LoginOutcome.Allowed)} | {C(LoginOutcome.Refused)} | {C(LoginOutcome.Temporary)} | {C(LoginOutcome.FrontendDown)} | {C(LoginOutcome.Error)} |"));
        }
        _md.AppendLine();
        _md.AppendLine(F($"Mixed load {_json["load_attempts_per_second"]} login attempts/s (allowed: {string.Join(", ", loadByProtocol.Select(p => $"{p.Key} {p.Value}"))}; one in ten with a wrong password), {_runner.Records.Relays.Count} FETCH relays, {_options.IdleSessions} IDLE sessions held ({_runner.Records.IdleEstablished} established in all, {_runner.Records.IdleCheckedAlive} DONE/IDLE round trips), a recovery probe per Frontend every 250 ms, credential stuffing from 127.0.2.0/24 and password guessing from 127.0.3.0/24 at 2 attempts/s per worker. idle = the IDLE sessions' logins; final = the slot check's logins."));
        _md.AppendLine();
        _md.AppendLine("## Faults injected");
        _md.AppendLine();
        _md.AppendLine(string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} ×{f.Value}")) + ".");
        _md.AppendLine();
        _md.AppendLine("## Invariants");
        _md.AppendLine();
    }

    private void Verdict(string name, bool ok, string text)
    {
        _md.AppendLine(F($"- **{name}: {(ok ? "held" : "BROKEN")}.** {text}"));
        if (!ok) Problems.Add($"{name}: {text}");
    }

    // ---- (a) ----------------------------------------------------------------------------------------------------------
    private void NoAllowWithoutOk()
    {
        var firstOk = new Dictionary<string, long>();
        foreach (var a in _answers.Where(a => a.Ok))
        {
            var key = a.User + "|" + a.SecretHash;
            if (!firstOk.TryGetValue(key, out var t) || a.Ms < t) firstOk[key] = a.Ms;
        }
        var allowed = _logins.Where(l => l.Outcome == LoginOutcome.Allowed).ToList();
        var wrongAllowed = allowed.Where(l => !l.RightPassword).ToList();
        var noOk = allowed.Where(l => !firstOk.TryGetValue(l.User + "|" + l.SecretHash, out var t) || t > l.EndMs + 1000).ToList();
        var okForWrong = _answers.Count(a => a.Ok && !SoakUsers.Exists(a.User));
        var wrongAttempts = _logins.Count(l => !l.RightPassword);
        _json["a_allowed"] = allowed.Count;
        _json["a_wrong_secret_attempts"] = wrongAttempts;
        _json["a_wrong_secret_allowed"] = wrongAllowed.Count;
        _json["a_allowed_without_auth_ok"] = noOk.Count;
        Verdict("(a) no login allowed without the auth server's OK for that secret",
            wrongAllowed.Count == 0 && noOk.Count == 0 && okForWrong == 0,
            F($"{allowed.Count} logins allowed, each matched to an OK the auth server logged for the same user and secret hash no later than the client saw it: {noOk.Count} unmatched. {wrongAttempts} attempts with a wrong secret, {wrongAllowed.Count} allowed.")
            + (noOk.Count > 0 ? F($" First unmatched: {noOk[0].User} at {noOk[0].EndMs}.") : ""));
    }

    // ---- (b) ----------------------------------------------------------------------------------------------------------
    private void BruteForceBounds()
    {
        // The grains' windows slide by the failure's time; the auth server logs the request's arrival a few ms
        // earlier, so the window is taken 1 s shorter (a longer window could only count more).
        var window = _options.Window - TimeSpan.FromSeconds(1);
        static int MaxInWindow(List<long> times, TimeSpan window)
        {
            times.Sort();
            var best = 0;
            for (int i = 0, j = 0; j < times.Count; j++)
            {
                while (times[j] - times[i] >= window.TotalMilliseconds) i++;
                best = Math.Max(best, j - i + 1);
            }
            return best;
        }
        static List<long> FirstSeen(IEnumerable<AuthAnswer> answers) =>
            answers.GroupBy(a => a.User + "|" + a.SecretHash).Select(g => g.Min(a => a.Ms)).ToList();

        var stuffing = _answers.Where(a => a.ClientIp.StartsWith("127.0.2.", StringComparison.Ordinal)).ToList();
        var stuffingAttempts = _logins.Count(l => l.Kind == "stuffing");
        var stuffingMax = MaxInWindow(FirstSeen(stuffing), window);
        var stuffingBound = _options.AddressThreshold + SoakRunner.StuffingConcurrency - 1;
        _json["b_stuffing_attempts"] = stuffingAttempts;
        _json["b_stuffing_reached_auth"] = stuffing.Count;
        _json["b_stuffing_max_distinct_pairs_in_window"] = stuffingMax;
        _json["b_stuffing_bound"] = stuffingBound;
        Verdict("(b1) credential stuffing: bruteforce_address_threshold",
            stuffingMax <= stuffingBound,
            F($"{stuffingAttempts} attempts from 127.0.2.0/24 (one address prefix: bruteforce_ipv4_prefix 24), a new login and password each; {stuffing.Count} reached the auth server; the most distinct login+password pairs that reached it within any {window.TotalSeconds:F0} s (bruteforce_window {_options.Window.TotalSeconds:F0} s less 1 s of clock slack) was {stuffingMax}, bound {stuffingBound} = bruteforce_address_threshold {_options.AddressThreshold} + {SoakRunner.StuffingConcurrency - 1} (attempts already past the address check while the failure that crossed the threshold was decided: {SoakRunner.StuffingConcurrency} in flight). Every attempt uses a login never used before, so no login grain holds an address lease from before a silo crash (README \"The address threshold without a call per login\": such leases may lag for 5 minutes)."));

        var guessing = _answers.Where(a => a.ClientIp.StartsWith("127.0.3.", StringComparison.Ordinal)).ToList();
        var guessingAttempts = _logins.Count(l => l.Kind == "guessing");
        var guessingMax = SoakRunner.GuessingVictims.Select(v => MaxInWindow(FirstSeen(guessing.Where(a => a.User == v)), window)).DefaultIfEmpty(0).Max();
        _json["b_guessing_attempts"] = guessingAttempts;
        _json["b_guessing_reached_auth"] = guessing.Count;
        _json["b_guessing_max_distinct_secrets_per_login_in_window"] = guessingMax;
        _json["b_guessing_bound"] = _options.LoginThreshold;
        Verdict("(b2) password guessing: bruteforce_login_threshold",
            guessingMax <= _options.LoginThreshold,
            F($"{guessingAttempts} attempts from 127.0.3.0/24 on {SoakRunner.GuessingVictims.Length} real users, one at a time, a new wrong password each; {guessing.Count} reached the auth server; the most distinct wrong passwords for one user that reached it within any {window.TotalSeconds:F0} s was {guessingMax}, bound bruteforce_login_threshold {_options.LoginThreshold} exactly (one grain decides a login's attempts one at a time and writes the count to Redis before it answers, README \"LoginPolicy\"; a retry after a silo death repeats the same password, which is not a new distinct one)."));
    }

    // ---- (c) ----------------------------------------------------------------------------------------------------------
    private void IdleSessions()
    {
        var losses = _runner.Records.IdleLosses.ToList();
        string Cause(IdleLoss loss)
        {
            bool Near(Fault f) => f.Ms >= loss.EstablishedMs && f.Ms <= loss.AtMs + 2000;
            if (_faults.Any(f => f.Kind == "frontend-kill" && f.Target == _options.Frontends[loss.Frontend].Name && Near(f))) return "frontend-killed";
            if (_faults.Any(f => f.Kind == "dovecot-stop" && (loss.Backend is null || f.Target == loss.Backend) && Near(f))) return "upstream-stopped";
            return "lost";
        }
        var causes = losses.GroupBy(Cause).ToDictionary(g => g.Key, g => g.Count());
        var lost = losses.Where(l => Cause(l) == "lost").ToList();
        // The reference Frontend (never killed) lives through the whole run: each of its IDLE sessions must survive but
        // for the Dovecot stop, which ends sessions on every Frontend (an upstream loss).
        var reference = _options.Frontends.ToList().FindIndex(f => _options.References.Contains(f.Name));
        var referenceEstablished = reference < 0 ? 0 : _logins.Count(l => l.Kind == "idle" && l.Frontend == reference && l.Outcome == LoginOutcome.Allowed);
        var referenceUsers = _logins.Where(l => l.Kind == "idle" && l.Frontend == reference).Select(l => l.User).Distinct().Count();
        var referenceUpstream = losses.Count(l => l.Frontend == reference && Cause(l) == "upstream-stopped");
        var referenceLost = losses.Count(l => l.Frontend == reference && Cause(l) != "upstream-stopped");
        var referenceKilled = reference >= 0 && _faults.Any(f => f.Kind == "frontend-kill" && f.Target == _options.Frontends[reference].Name);
        _json["c_reference_frontend"] = new { name = reference < 0 ? "(none)" : _options.Frontends[reference].Name, idle_established = referenceEstablished, upstream_losses = referenceUpstream, lost = referenceLost, killed = referenceKilled };
        _json["c_sessions_ended"] = causes;
        _json["c_lost_examples"] = lost.Take(10).Select(l => new { t = (l.AtMs - _runner.StartedMs) / 1000.0, l.User, frontend = _options.Frontends[l.Frontend].Name, l.Backend, l.Detail }).ToList();
        Verdict("(c) no established session on a surviving Frontend lost",
            lost.Count == 0 && reference >= 0 && !referenceKilled && referenceLost == 0,
            F($"{_runner.Records.IdleEstablished} IDLE sessions established in all; ended without the client asking: {causes.GetValueOrDefault("frontend-killed")} on a Frontend that was killed (by design), {causes.GetValueOrDefault("upstream-stopped")} on the Dovecot that was stopped (upstream losses), {lost.Count} otherwise (silo kills, the Redis restart and reloads must cost none). {_runner.Records.IdleClosedAtEnd} closed with LOGOUT at the end. The reference Frontend {(reference < 0 ? "(none)" : _options.Frontends[reference].Name)}, never killed: {referenceEstablished} IDLE sessions established through it ({referenceUsers} users held at once, each session opened again after an upstream loss), {referenceUpstream} ended by the Dovecot stop, {referenceLost} lost otherwise.")
            + (lost.Count > 0 ? F($" First: {lost[0].User} at {(lost[0].AtMs - _runner.StartedMs) / 1000.0:F1} s: {lost[0].Detail}.") : ""));
    }

    // ---- (d) ----------------------------------------------------------------------------------------------------------
    private void SessionSlots()
    {
        var full = _runner.FullCount;
        var fullOk = full.Count > 0 && full.All(f => f.Opened == _options.SessionLimitPerLogin && f.ExtraReply.Contains("Maximum number of connections", StringComparison.Ordinal));
        _json["d_leaked_slots"] = _runner.LeakedSlots;
        _json["d_slots_cleared_after_seconds"] = double.IsNaN(_runner.SlotsClearedAfterSeconds) ? -1 : Math.Round(_runner.SlotsClearedAfterSeconds, 1);
        _json["d_full_count"] = full.Select(f => new { f.User, f.Opened, f.ExtraReply }).ToList();
        Verdict("(d) session-limit slots never leak",
            _runner.LeakedSlots.Count == 0 && fullOk,
            F($"session_limit_per_login {_options.SessionLimitPerLogin}, session_lease_ttl {_options.LeaseTtl.TotalSeconds:F0} s. After the clients closed every session, the admin API (GET /admin/sessions) listed no session for any of the {_options.IdleSessions + SoakUsers.LoadUsers + SoakUsers.ProbeUsers} logins after {(double.IsNaN(_runner.SlotsClearedAfterSeconds) ? "(never)" : _runner.SlotsClearedAfterSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s")} (bound: TTL + a third + 15 s); {_runner.LeakedSlots.Count} logins with slots left. Then {full.Count(f => f.Opened == _options.SessionLimitPerLogin)} of {full.Count} IDLE users opened the limit's full count at once again, {full.Count(f => f.ExtraReply.Contains("Maximum number of connections", StringComparison.Ordinal))} got the limit's reply for one more."));
    }

    // ---- (f) ----------------------------------------------------------------------------------------------------------
    private void Recovery()
    {
        var bound = _options.RetryBudget + _options.AuthTimeout + TimeSpan.FromSeconds(2);
        var kinds = new[] { "silo-kill", "frontend-kill", "redis-kill", "dovecot-stop" };
        var rows = new List<object>();
        var broken = new List<string>();
        var worst = new Dictionary<string, double>();
        var slowestByKind = new Dictionary<string, double>();
        var failedProbes = 0;
        foreach (var fault in _faults.Where(f => kinds.Contains(f.Kind)))
        {
            for (var f = 0; f < _options.Frontends.Count; f++)
            {
                if (fault.Kind == "frontend-kill" && fault.Target == _options.Frontends[f].Name) continue;
                var next = _logins.FirstOrDefault(l => l.Kind == "probe" && l.Frontend == f && l.StartMs >= fault.Ms && l.Outcome == LoginOutcome.Allowed);
                var failed = _logins.Count(l => l.Kind == "probe" && l.Frontend == f && l.StartMs >= fault.Ms && l.Outcome != LoginOutcome.Allowed
                    && (next is null || l.StartMs < next.StartMs));
                if (next is null && _runner.EndedMs - fault.Ms < bound.TotalMilliseconds) continue;
                var gap = next is null ? double.PositiveInfinity : (next.EndMs - fault.Ms) / 1000.0;
                // Every probe login that started within 30 s after the fault (or was in flight at it) ended, allowed or not, within the bound too.
                var slowest = _logins.Where(l => l.Kind == "probe" && l.Frontend == f && l.EndMs >= fault.Ms && l.StartMs <= fault.Ms + 30_000)
                    .Select(l => (l.EndMs - l.StartMs) / 1000.0).DefaultIfEmpty(0).Max();
                worst[fault.Kind] = Math.Max(worst.GetValueOrDefault(fault.Kind), gap);
                slowestByKind[fault.Kind] = Math.Max(slowestByKind.GetValueOrDefault(fault.Kind), slowest);
                failedProbes += failed;
                rows.Add(new { t = Math.Round((fault.Ms - _runner.StartedMs) / 1000.0, 1), fault.Kind, fault.Target, frontend = _options.Frontends[f].Name, gap_seconds = double.IsInfinity(gap) ? -1 : Math.Round(gap, 2), slowest_login_seconds = Math.Round(slowest, 2), failed_probes = failed });
                if (gap > bound.TotalSeconds || slowest > bound.TotalSeconds)
                    broken.Add(F($"{fault.Kind} {fault.Target} at {(fault.Ms - _runner.StartedMs) / 1000.0:F0} s: {_options.Frontends[f].Name} next login allowed after {gap:F1} s, slowest {slowest:F1} s"));
            }
        }
        // The killed Frontend itself: from its kill to its restarted process's first allowed login (reported, not bounded).
        var restarts = _faults.Where(f => f.Kind == "frontend-kill").Select(fault =>
        {
            var f = _options.Frontends.ToList().FindIndex(x => x.Name == fault.Target);
            var next = _logins.FirstOrDefault(l => l.Kind == "probe" && l.Frontend == f && l.StartMs >= fault.Ms && l.Outcome == LoginOutcome.Allowed);
            return next is null ? -1 : Math.Round((next.EndMs - fault.Ms) / 1000.0, 1);
        }).ToList();
        _json["f_killed_frontend_serving_again_after_seconds"] = restarts;
        _json["f_recovery"] = rows;
        _json["f_bound_seconds"] = bound.TotalSeconds;
        Verdict("(f) logins recover within the retry budget after each fault",
            broken.Count == 0 && rows.Count > 0,
            F($"after each fault, the time until a login started after it succeeds through each surviving Frontend (its probe: an IMAP login every 250 ms), bound {bound.TotalSeconds:F0} s = cluster_login_retry_budget {_options.RetryBudget.TotalSeconds:F0} s + one grain call's deadline (auth_http_timeout {_options.AuthTimeout.TotalSeconds:F0} s + 2 s; README \"Failover\"). {rows.Count} fault × Frontend pairs; worst gap by fault: {string.Join(", ", worst.Select(w => F($"{w.Key} {w.Value:F1} s")))}; every probe login started within 30 s after a fault also ended (allowed or not) within the bound: slowest {string.Join(", ", slowestByKind.Select(w => F($"{w.Key} {w.Value:F1} s")))}; {failedProbes} probe logins failed before the first success. A killed Frontend, started again at once, served its first login after {string.Join(", ", restarts.Select(r => F($"{r:F1} s")))}.") + (broken.Count > 0 ? " Over: " + string.Join("; ", broken) : ""));
    }

    // ---- temporary failures: a figure, not an invariant ((f) bounds the recovery) -------------------------------------
    /// <summary>
    /// Logins that got the temporary-failure reply (IMAP <c>NO [UNAVAILABLE]</c>, POP3 <c>-ERR [SYS/TEMP]</c>, SMTP
    /// <c>454</c>), each placed after the nearest fault before it: a login whose grain call was in flight to a killed
    /// silo waits out that call's deadline, and gives up when the next backoff would pass the retry budget (README "Failover").
    /// </summary>
    private void TemporaryFailures()
    {
        var kinds = new[] { "silo-kill", "frontend-kill", "redis-kill", "dovecot-stop" };
        var temporary = _logins.Where(l => l.Outcome == LoginOutcome.Temporary).Select(l =>
        {
            var fault = _faults.Where(f => kinds.Contains(f.Kind) && f.Ms <= l.EndMs).MaxBy(f => f.Ms);
            return (Login: l, Fault: fault, Start: fault is null ? double.NaN : (l.StartMs - fault.Ms) / 1000.0, Reply: fault is null ? double.NaN : (l.EndMs - fault.Ms) / 1000.0);
        }).ToList();
        _json["temporary_failures"] = temporary.Select(t => new { kind = t.Login.Kind, frontend = _options.Frontends[t.Login.Frontend].Name, protocol = t.Login.Protocol.ToString(), t = Math.Round((t.Login.StartMs - _runner.StartedMs) / 1000.0, 1), after_fault = t.Fault?.Kind, fault_target = t.Fault?.Target, started_after_fault_seconds = Math.Round(t.Start, 1), reply_after_fault_seconds = Math.Round(t.Reply, 1) }).ToList();
        var attempts = _logins.Count();
        var byFault = temporary.GroupBy(t => t.Fault?.Kind ?? "no fault before").Select(g =>
            F($"{g.Count()} after a {g.Key} (started {g.Min(t => t.Start):F1} to {g.Max(t => t.Start):F1} s after it, the reply {g.Min(t => t.Reply):F1} to {g.Max(t => t.Reply):F1} s after it)"));
        var byKind = temporary.GroupBy(t => t.Login.Kind).OrderBy(g => g.Key).Select(g => F($"{g.Count()} {g.Key}"));
        _md.AppendLine(F($"- **Temporary failures (a figure, not an invariant; (f) bounds the recovery):** {temporary.Count} logins got the temporary-failure reply ({(temporary.Count == 0 ? "none" : string.Join(", ", byKind))}; of {attempts} login attempts of every kind){(temporary.Count == 0 ? "" : ": " + string.Join("; ", byFault))}. Each is placed after the nearest silo, Frontend, Redis or Dovecot fault before its reply; cluster_login_retry_budget {_options.RetryBudget.TotalSeconds:F0} s, one grain call's deadline auth_http_timeout {_options.AuthTimeout.TotalSeconds:F0} s + 2 s."));
    }

    public void Write(string prefix)
    {
        _json["problems"] = Problems;
        _md.AppendLine();
        _md.AppendLine(Problems.Count == 0 ? "Every invariant held." : F($"{Problems.Count} invariant(s) broken."));
        _md.AppendLine();
        _md.AppendLine("Fault log (seconds from the start): " + string.Join(", ", _faults.Select(f => F($"{(f.Ms - _runner.StartedMs) / 1000.0:F0} {f.Kind} {f.Target}"))) + ".");
        File.WriteAllText(prefix + ".json", JsonSerializer.Serialize(_json, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(prefix + ".md", _md.ToString());
    }

    public string Markdown => _md.ToString();
}
