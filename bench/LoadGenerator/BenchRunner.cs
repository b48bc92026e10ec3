using System.Globalization;

namespace OrleansMail.Bench;

internal sealed record LoginSample(
    string Target, int Round, long Logins, long Errors, double Seconds, double LoginsPerSecond, double P50Ms, double P99Ms,
    double? ProxyCpuMsPerLogin, double AuthCpuMsPerLogin, double DovecotCpuMsPerLogin, double? PostfixCpuMsPerLogin,
    double LoadGeneratorCpuMsPerLogin, long AuthDecisions, long ListenOverflows, string? FirstError, double? AllocatedBytesPerLogin = null,
    long? TlsHandshakes = null, long? TlsResumed = null, string? TlsNegotiated = null)
{
    /// <summary>Share of the run's TLS handshakes that were resumed, in percent (TLS scenarios only).</summary>
    public double? TlsResumedPercent => TlsHandshakes is > 0 && TlsResumed is { } resumed ? resumed * 100.0 / TlsHandshakes.Value : null;
}

internal sealed record MessageSample(
    string Target, int Round, long Messages, long Bytes, long Errors, double Seconds, double MessagesPerSecond,
    double? ProxyCpuMsPerMessage, double PostfixCpuMsPerMessage, double DovecotCpuMsPerMessage, double AuthCpuMsPerMessage,
    double LoadGeneratorCpuMsPerMessage, string? FirstError);

internal sealed record RelaySample(
    string Target, int Round, long Bytes, long Fetches, double Seconds, double MegabytesPerSecond,
    double? ProxyCpuSecondsPerGb, double DovecotCpuSecondsPerGb, double LoadGeneratorCpuSecondsPerGb, long Errors, string? FirstError);

/// <summary>IMAP logins through the cluster target: <see cref="Login"/>'s proxy CPU is every OrleansMail process (Frontends, silos, Redis).</summary>
internal sealed record ClusterLoginSample(LoginSample Login, double FrontendsCpuMsPerLogin, double SilosCpuMsPerLogin, double RedisCpuMsPerLogin);

internal sealed record CommandSample(
    string Target, int Round, int Depth, long Commands, long Errors, double Seconds, double CommandsPerSecond, double P50Ms, double P99Ms,
    double? ProxyCpuMsPer1000, double DovecotCpuMsPer1000, double LoadGeneratorCpuMsPer1000, string? FirstError);

internal sealed record IdleSample(
    string Target, int Round, int Sessions, int Opened, long Errors, double OpenSeconds,
    long ProxyRssBaselineBytes, long ProxyRssBeforeBytes, long ProxyRssHeldBytes, double ProxyRssKbPerSession, string? FirstError);

/// <summary>
/// Runs the scenarios: a warm-up per target, then <see cref="BenchOptions.Rounds"/> rounds; in each round every
/// scenario runs for every target, targets interleaved and their order rotated from round to round.
/// </summary>
internal sealed partial class BenchRunner(BenchOptions options)
{
    private readonly BenchUsers _users = new(options.Users, options.Password);
    private readonly ImapLoginDialogue _imap = new(new BenchUsers(options.Users, options.Password));
    private readonly Pop3LoginDialogue _pop3 = new(new BenchUsers(options.Users, options.Password));
    private readonly SmtpLoginDialogue _smtp = new(new BenchUsers(options.Users, options.Password));
    private readonly ImapOAuthBearerLoginDialogue _oauthBearer = new(new BenchUsers(options.Users, options.Password), options.TokenBytes);
    private readonly byte[] _smtpMessage = Scenarios.BuildMessage(options.SmtpMessageBytes, "sink@example.org", "OrleansMail SMTP benchmark");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Dictionary<string, long> _rssBaseline = [];

    public List<LoginSample> Logins { get; } = [];
    public List<RelaySample> Relays { get; } = [];
    public List<IdleSample> Idles { get; } = [];
    public List<LoginSample> Pop3Logins { get; } = [];
    public List<LoginSample> SmtpLogins { get; } = [];
    /// <summary>IMAP logins with AUTHENTICATE OAUTHBEARER: direct Dovecot and OrleansMail passing the token on.</summary>
    public List<LoginSample> OAuthLogins { get; } = [];
    /// <summary>IMAP logins through OrleansMail with a warm auth-decision cache.</summary>
    public List<LoginSample> WarmLogins { get; } = [];
    public List<MessageSample> Messages { get; } = [];
    /// <summary>Steady-state small commands, one in flight per client.</summary>
    public List<CommandSample> Commands { get; } = [];
    /// <summary>Steady-state small commands, <see cref="BenchOptions.CommandsDepth"/> in flight per client.</summary>
    public List<CommandSample> PipelinedCommands { get; } = [];
    public List<ClusterLoginSample> ClusterLogins { get; } = [];
    public long MessageBytes { get; private set; }

    public async Task RunAsync()
    {
        Log($"relay message: APPEND {options.MessageBytes} bytes to {BenchUsers.RelayUser} (direct)");
        MessageBytes = await Scenarios.EnsureRelayMessageAsync(options.DirectPort, options.MessageBytes, _users);
        if (options.OnlyTls)
        {
            await WarmUpTlsAsync();
            for (var round = 1; round <= options.Rounds; round++) await MeasureTlsRoundAsync(round);
            return;
        }
        if (options.OnlyLogins)
        {
            await RunLoginsOnlyAsync();
            return;
        }
        Log($"steady-state commands: {SteadyCommands.MessagesPerMailbox} messages in the INBOX of bench0..bench{options.CommandsClients - 1} (direct)");
        await SteadyCommands.EnsureMailboxesAsync(options.DirectPort, options.CommandsClients, _users);

        foreach (var target in options.Targets)
        {
            Log($"warm-up {target.Name}");
            var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _imap);
            var relay = await Scenarios.RelayAsync(target.Port, TimeSpan.FromSeconds(Math.Min(1, options.WarmupSeconds)), 50, _users);
            Log($"  {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}; relay {relay.MegabytesPerSecond:F0} MB/s{Err(relay.FirstError)}");
        }
        foreach (var target in options.OAuthTargets)
        {
            var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _oauthBearer);
            Log($"warm-up OAUTHBEARER {target.Name}: {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}");
        }
        foreach (var target in options.WarmTargets)
        {
            // Also fills the cache: every user logs in at least once (the users are taken round-robin).
            var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _imap);
            Log($"warm-up {target.Name} (auth cache on): {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}");
        }
        if (options.Cluster is { } cluster)
        {
            var warm = await Scenarios.LoginsAsync(cluster.Ports, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _imap);
            Log($"warm-up {ClusterTarget.Name} ({cluster.FrontendPids.Count} Frontends, {cluster.SiloPids.Count} silos, Redis): {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}");
        }
        foreach (var target in options.Pop3Targets)
        {
            var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _pop3);
            Log($"warm-up POP3 {target.Name}: {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}");
        }
        foreach (var target in options.SmtpTargets)
        {
            var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, _smtp);
            var messages = await Scenarios.SmtpMessagesAsync(target.Port, options.SmtpConcurrency, TimeSpan.FromSeconds(Math.Min(1, options.WarmupSeconds)),
                options.MaxMessages, options.MessagesPerConnection, _smtpMessage, _smtp);
            Log($"warm-up SMTP {target.Name}: {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}; " +
                $"{messages.Rate:F0} messages/s, {messages.Errors} errors{Err(messages.FirstError)}");
        }
        await WarmUpTlsAsync();

        for (var round = 1; round <= options.Rounds; round++)
        {
            var order = Rotate(options.Targets, round - 1);
            foreach (var target in order) Logins.Add(await MeasureLoginsAsync(target, round, _imap));
            foreach (var target in Rotate(options.OAuthTargets, round - 1)) OAuthLogins.Add(await MeasureLoginsAsync(target, round, _oauthBearer));
            foreach (var target in options.WarmTargets) WarmLogins.Add(await MeasureLoginsAsync(target, round, _imap));
            if (options.Cluster is { } clusterTarget) ClusterLogins.Add(await MeasureClusterLoginsAsync(clusterTarget, round));
            foreach (var target in order) Relays.Add(await MeasureRelayAsync(target, round));
            foreach (var target in order) Commands.Add(await MeasureCommandsAsync(target, round, 1));
            foreach (var target in order) PipelinedCommands.Add(await MeasureCommandsAsync(target, round, options.CommandsDepth));
            foreach (var target in order.Where(t => t.IsProxy)) Idles.Add(await MeasureIdleAsync(target, round));
            foreach (var target in Rotate(options.Pop3Targets, round - 1)) Pop3Logins.Add(await MeasureLoginsAsync(target, round, _pop3));
            var smtpOrder = Rotate(options.SmtpTargets, round - 1);
            foreach (var target in smtpOrder) SmtpLogins.Add(await MeasureLoginsAsync(target, round, _smtp));
            foreach (var target in smtpOrder) Messages.Add(await MeasureMessagesAsync(target, round));
            await MeasureTlsRoundAsync(round);
        }
    }

    /// <summary><c>--only logins</c>: warm-up, then per round the IMAP, POP3 and SMTP logins of every target, rotated.</summary>
    private async Task RunLoginsOnlyAsync()
    {
        (List<BenchTarget> Targets, ILoginDialogue Dialogue, List<LoginSample> Samples)[] scenarios =
            [(options.Targets, _imap, Logins), (options.Pop3Targets, _pop3, Pop3Logins), (options.SmtpTargets, _smtp, SmtpLogins)];
        foreach (var (targets, dialogue, _) in scenarios)
        {
            foreach (var target in targets)
            {
                var warm = await Scenarios.LoginsAsync(target.Port, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), options.MaxLogins, dialogue);
                Log($"warm-up {dialogue.Protocol} {target.Name}: {warm.Rate:F0} logins/s, {warm.Errors} errors{Err(warm.FirstError)}");
            }
        }
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var (targets, dialogue, samples) in scenarios)
                foreach (var target in Rotate(targets, round - 1)) samples.Add(await MeasureLoginsAsync(target, round, dialogue));
        }
    }

    private static List<BenchTarget> Rotate(List<BenchTarget> targets, int by) => targets.Count == 0 ? [] :
        targets.Skip(by % targets.Count).Concat(targets.Take(by % targets.Count)).ToList();

    private async Task<LoginSample> MeasureLoginsAsync(BenchTarget target, int round, ILoginDialogue dialogue, int? concurrency = null)
    {
        var (handshakesBefore, resumedBefore) = (dialogue.Tls?.Handshakes ?? 0, dialogue.Tls?.Resumed ?? 0);
        var (authBefore, _) = await AuthServer.ReadStatsAsync(_http, options.AuthPort);
        var overflowsBefore = ProcessTree.ListenOverflows();
        var metricsUrl = dialogue is ImapLoginDialogue ? options.MetricsUrls.GetValueOrDefault(target.Name) : null;
        var allocatedBefore = metricsUrl is null ? null : await AllocationCounter.ReadAsync(_http, metricsUrl);
        var before = Snapshot(target);
        var run = await Scenarios.LoginsAsync(target.Port, concurrency ?? options.Concurrency, TimeSpan.FromSeconds(options.LoginSeconds), options.MaxLogins, dialogue);
        var after = Snapshot(target);
        var (handshakes, resumed) = (dialogue.Tls?.Handshakes - handshakesBefore, dialogue.Tls?.Resumed - resumedBefore);
        double? allocatedPerLogin = null;
        if (metricsUrl is not null && allocatedBefore is { } a0 && await AllocationCounter.ReadAsync(_http, metricsUrl) is { } a1 && run.Logins > 0)
        {
            // The second scrape's own allocations are not the logins': subtract a scrape measured right after.
            var scrape = await AllocationCounter.ScrapeCostAsync(_http, metricsUrl);
            allocatedPerLogin = Math.Max(0, a1 - a0 - scrape) / (double)run.Logins;
        }
        var (authAfter, _) = await AuthServer.ReadStatsAsync(_http, options.AuthPort);

        double PerLogin(double seconds) => run.Logins > 0 ? seconds * 1000 / run.Logins : 0;
        var sample = new LoginSample(target.Name, round, run.Logins, run.Errors, run.Seconds, run.Rate, run.P50Ms, run.P99Ms,
            target.IsProxy ? PerLogin(after.Proxy - before.Proxy) : null,
            PerLogin(after.Auth - before.Auth), PerLogin(after.Dovecot - before.Dovecot),
            dialogue.ReachesPostfix ? PerLogin(after.Postfix - before.Postfix) : null, PerLogin(after.Self - before.Self),
            authAfter - authBefore, ProcessTree.ListenOverflows() - overflowsBefore, run.FirstError, allocatedPerLogin,
            handshakes, resumed, dialogue.Tls?.Negotiated);
        var allocated = allocatedPerLogin is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"; allocated {bytes / 1024:F1} KB/login") : "";
        var postfix = sample.PostfixCpuMsPerLogin is { } p ? string.Create(CultureInfo.InvariantCulture, $"postfix {p:F3} ") : "";
        var tls = sample.TlsResumedPercent is { } percent
            ? string.Create(CultureInfo.InvariantCulture, $"; {sample.TlsNegotiated}, {resumed}/{handshakes} handshakes resumed ({percent:F0} %)")
            : "";
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} {dialogue.Protocol} logins {target.Name,-12} {sample.LoginsPerSecond,7:F0}/s p50 {sample.P50Ms:F2} ms p99 {sample.P99Ms:F2} ms " +
            $"cpu/login proxy {sample.ProxyCpuMsPerLogin ?? 0:F3} auth {sample.AuthCpuMsPerLogin:F3} dovecot {sample.DovecotCpuMsPerLogin:F3} " +
            $"{postfix}gen {sample.LoadGeneratorCpuMsPerLogin:F3} ms; auth decisions {sample.AuthDecisions}; listen overflows {sample.ListenOverflows}{allocated}{tls}; errors {sample.Errors}{Err(run.FirstError)}"));
        return sample;
    }

    private async Task<ClusterLoginSample> MeasureClusterLoginsAsync(ClusterTarget cluster, int round)
    {
        static double Sum(IEnumerable<int> pids) => pids.Sum(ProcessTree.CpuSeconds);
        var (authBefore, _) = await AuthServer.ReadStatsAsync(_http, options.AuthPort);
        var (frontends0, silos0, redis0) = (Sum(cluster.FrontendPids), Sum(cluster.SiloPids), ProcessTree.CpuSeconds(cluster.RedisPid));
        var before = Snapshot(new BenchTarget(ClusterTarget.Name, 0, null));
        var run = await Scenarios.LoginsAsync(cluster.Ports, options.Concurrency, TimeSpan.FromSeconds(options.LoginSeconds), options.MaxLogins, _imap);
        var after = Snapshot(new BenchTarget(ClusterTarget.Name, 0, null));
        var (frontends1, silos1, redis1) = (Sum(cluster.FrontendPids), Sum(cluster.SiloPids), ProcessTree.CpuSeconds(cluster.RedisPid));
        var (authAfter, _) = await AuthServer.ReadStatsAsync(_http, options.AuthPort);
        double PerLogin(double seconds) => run.Logins > 0 ? seconds * 1000 / run.Logins : 0;
        var (frontends, silos, redis) = (PerLogin(frontends1 - frontends0), PerLogin(silos1 - silos0), PerLogin(redis1 - redis0));
        var login = new LoginSample(ClusterTarget.Name, round, run.Logins, run.Errors, run.Seconds, run.Rate, run.P50Ms, run.P99Ms,
            frontends + silos + redis, PerLogin(after.Auth - before.Auth), PerLogin(after.Dovecot - before.Dovecot), null, PerLogin(after.Self - before.Self),
            authAfter - authBefore, 0, run.FirstError);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} IMAP logins {ClusterTarget.Name} {run.Rate,7:F0}/s p50 {run.P50Ms:F2} ms p99 {run.P99Ms:F2} ms cpu/login frontends {frontends:F3} " +
            $"silos {silos:F3} redis {redis:F3} (sum {frontends + silos + redis:F3}) auth {login.AuthCpuMsPerLogin:F3} dovecot {login.DovecotCpuMsPerLogin:F3} ms; " +
            $"auth decisions {login.AuthDecisions}; errors {run.Errors}{Err(run.FirstError)}"));
        return new ClusterLoginSample(login, frontends, silos, redis);
    }

    private async Task<MessageSample> MeasureMessagesAsync(BenchTarget target, int round)
    {
        var before = Snapshot(target);
        var run = await Scenarios.SmtpMessagesAsync(target.Port, options.SmtpConcurrency, TimeSpan.FromSeconds(options.RelaySeconds),
            options.MaxMessages, options.MessagesPerConnection, _smtpMessage, _smtp);
        var after = Snapshot(target);
        double PerMessage(double seconds) => run.Messages > 0 ? seconds * 1000 / run.Messages : 0;
        var sample = new MessageSample(target.Name, round, run.Messages, run.Bytes, run.Errors, run.Seconds, run.Rate,
            target.IsProxy ? PerMessage(after.Proxy - before.Proxy) : null, PerMessage(after.Postfix - before.Postfix),
            PerMessage(after.Dovecot - before.Dovecot), PerMessage(after.Auth - before.Auth), PerMessage(after.Self - before.Self), run.FirstError);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} SMTP messages {target.Name,-12} {sample.MessagesPerSecond,7:F1}/s ({run.Messages} x {_smtpMessage.Length} bytes) " +
            $"cpu/message proxy {sample.ProxyCpuMsPerMessage ?? 0:F3} postfix {sample.PostfixCpuMsPerMessage:F3} dovecot {sample.DovecotCpuMsPerMessage:F3} " +
            $"gen {sample.LoadGeneratorCpuMsPerMessage:F3} ms; errors {run.Errors}{Err(run.FirstError)}"));
        return sample;
    }

    private async Task<RelaySample> MeasureRelayAsync(BenchTarget target, int round, TlsClient? tls = null)
    {
        var before = Snapshot(target);
        var run = await Scenarios.RelayAsync(target.Port, TimeSpan.FromSeconds(options.RelaySeconds), options.MaxFetches, _users, tls);
        var after = Snapshot(target);
        var gb = run.Bytes / 1e9;
        double PerGb(double seconds) => gb > 0 ? seconds / gb : 0;
        var sample = new RelaySample(target.Name, round, run.Bytes, run.Fetches, run.Seconds, run.MegabytesPerSecond,
            target.IsProxy ? PerGb(after.Proxy - before.Proxy) : null, PerGb(after.Dovecot - before.Dovecot), PerGb(after.Self - before.Self),
            run.Errors, run.FirstError);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} relay{(tls is null ? "  " : " TLS")} {target.Name,-12} {sample.MegabytesPerSecond,7:F0} MB/s ({run.Fetches} fetches) " +
            $"cpu s/GB proxy {sample.ProxyCpuSecondsPerGb ?? 0:F3} dovecot {sample.DovecotCpuSecondsPerGb:F3} gen {sample.LoadGeneratorCpuSecondsPerGb:F3}; errors {run.Errors}{Err(run.FirstError)}"));
        return sample;
    }

    private async Task<CommandSample> MeasureCommandsAsync(BenchTarget target, int round, int depth)
    {
        var before = Snapshot(target);
        var run = await SteadyCommands.RunAsync(target.Port, options.CommandsClients, depth, TimeSpan.FromSeconds(options.CommandsSeconds), _users);
        var after = Snapshot(target);
        // The clients' logins and SELECTs fall inside the CPU window too: a few dozen against thousands of commands.
        double Per1000(double seconds) => run.Commands > 0 ? seconds * 1e6 / run.Commands : 0;
        var sample = new CommandSample(target.Name, round, depth, run.Commands, run.Errors, run.Seconds, run.Rate, run.P50Ms, run.P99Ms,
            target.IsProxy ? Per1000(after.Proxy - before.Proxy) : null, Per1000(after.Dovecot - before.Dovecot), Per1000(after.Self - before.Self), run.FirstError);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} commands x{depth} {target.Name,-12} {sample.CommandsPerSecond,7:F0}/s p50 {sample.P50Ms:F2} ms p99 {sample.P99Ms:F2} ms " +
            $"cpu/1000 commands proxy {sample.ProxyCpuMsPer1000 ?? 0:F1} dovecot {sample.DovecotCpuMsPer1000:F1} gen {sample.LoadGeneratorCpuMsPer1000:F1} ms; " +
            $"errors {run.Errors}{Err(run.FirstError)}"));
        return sample;
    }

    private async Task<IdleSample> MeasureIdleAsync(BenchTarget target, int round)
    {
        var pid = target.ProxyPid!.Value;
        var rssBefore = ProcessTree.RssBytes(pid);
        // Per session = (RSS held - RSS before the target's first idle round) / sessions. A later round's "before"
        // still holds memory a managed heap kept from the previous round, which would make the difference shrink
        // (even go negative); the first baseline is the process after warm-up, logins and relay.
        if (!_rssBaseline.TryGetValue(target.Name, out var rssBaseline)) _rssBaseline[target.Name] = rssBaseline = rssBefore;
        long rssHeld = 0;
        var run = await Scenarios.IdleAsync(target.Port, options.IdleSessions, options.Concurrency, _users, async () =>
        {
            // Let the proxy settle (buffers returned, GC) before reading its memory.
            await Task.Delay(TimeSpan.FromSeconds(options.IdleHoldSeconds));
            rssHeld = ProcessTree.RssBytes(pid);
        });
        var perSession = run.Opened > 0 ? (rssHeld - rssBaseline) / 1024.0 / run.Opened : 0;
        var sample = new IdleSample(target.Name, round, run.Requested, run.Opened, run.Errors, run.OpenSeconds, rssBaseline, rssBefore, rssHeld, perSession, run.FirstError);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"round {round} idle   {target.Name,-12} {run.Opened}/{run.Requested} sessions in {run.OpenSeconds:F1} s, RSS baseline {rssBaseline / 1048576.0:F1}, " +
            $"before {rssBefore / 1048576.0:F1} -> held {rssHeld / 1048576.0:F1} MiB = " +
            $"{perSession:F2} KB/session; errors {run.Errors}{Err(run.FirstError)}"));
        await WaitForDovecotToSettleAsync();
        return sample;
    }

    /// <summary>After thousands of sessions end Dovecot kills its surplus imap processes (idle_kill); wait for that so it does not overlap the next measurement.</summary>
    private async Task WaitForDovecotToSettleAsync()
    {
        var limit = DateTime.UtcNow.AddSeconds(20);
        var threshold = Math.Max(40, options.Concurrency + 20);
        while (DateTime.UtcNow < limit && ProcessTree.Count(options.DovecotPid) > threshold)
        {
            await Task.Delay(500);
        }
    }

    private readonly record struct Cpu(double Proxy, double Auth, double Dovecot, double Postfix, double Self);

    private Cpu Snapshot(BenchTarget target) => new(
        target.ProxyPid is { } pid ? ProcessTree.CpuSeconds(pid) : 0,
        ProcessTree.CpuSeconds(options.AuthPid),
        ProcessTree.CpuSeconds(options.DovecotPid),
        options.PostfixPid > 0 ? ProcessTree.CpuSeconds(options.PostfixPid) : 0,
        ProcessTree.CpuSeconds(Environment.ProcessId));

    private static string Err(string? firstError) => firstError is null ? string.Empty : $" (first error: {firstError})";

    public static void Log(string message) =>
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
