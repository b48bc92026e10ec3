using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OrleansMail.Bench.Soak;

/// <summary>
/// The soak's clients, held for the whole run while bench/soak.sh injects the faults: a paced mix of IMAP, POP3 and
/// SMTP logins through both Frontends (one in ten with a wrong password, one IMAP login in ten fetches a message: the
/// relay), one recovery probe per Frontend (an IMAP login every 250 ms), the IDLE sessions, a credential-stuffing
/// attack from 127.0.2.0/24 (a new login and password per attempt) and a password-guessing attack on three users from
/// 127.0.3.0/24, and an RSS sampler of every process the script names in its pids folder. At the end: the clients stop,
/// the IDLE sessions log out, and the session slots are checked (<see cref="CheckSlotsAsync"/>).
/// </summary>
internal sealed class SoakRunner(SoakOptions options)
{
    public SoakRecords Records { get; } = new();

    /// <summary>Unix ms when the load started and ended.</summary>
    public long StartedMs { get; private set; }
    public long EndedMs { get; private set; }

    /// <summary>Logins with sessions left after the end (login → count), and how long the slots took to clear.</summary>
    public Dictionary<string, int> LeakedSlots { get; } = [];
    public double SlotsClearedAfterSeconds { get; private set; } = double.NaN;

    /// <summary>The full count of the per-login limit opened again for each of these users: sessions that got in, and the extra one's reply.</summary>
    public List<(string User, int Opened, string ExtraReply)> FullCount { get; } = [];

    public async Task RunAsync()
    {
        using var stop = new CancellationTokenSource();
        var token = stop.Token;
        StartedMs = SoakRecords.Now();
        await File.WriteAllTextAsync(Path.Combine(options.Work, "load-started"), StartedMs.ToString(CultureInfo.InvariantCulture));
        var tasks = new List<Task>();
        for (var i = 0; i < options.IdleSessions; i++)
        {
            var f = i % options.Frontends.Count;
            tasks.Add(new IdleHolder(options.Frontends[f], f, $"idle{i}", Records).RunAsync(token));
            if (i % 10 == 9) await Task.Delay(100, CancellationToken.None);
        }
        const int loadWorkers = 8;
        for (var w = 0; w < loadWorkers; w++) tasks.Add(LoadWorkerAsync(w, loadWorkers, token));
        for (var f = 0; f < options.Frontends.Count; f++) tasks.Add(ProbeAsync(f, token));
        for (var c = 0; c < StuffingConcurrency; c++) tasks.Add(StuffingAsync(c, token));
        tasks.Add(GuessingAsync(token));
        tasks.Add(SampleRssAsync(token));

        var end = StartedMs + (long)(options.Minutes * 60_000);
        while (SoakRecords.Now() < end)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, Math.Max(0.1, (end - SoakRecords.Now()) / 1000.0))), CancellationToken.None);
            Progress();
        }
        EndedMs = SoakRecords.Now();
        BenchRunner.Log("soak: load stopping; IDLE sessions log out");
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        await CheckSlotsAsync();
        await OpenFullCountAsync();
    }

    /// <summary>Attempts of the credential stuffing in flight at once: the slack the address threshold's bound allows.</summary>
    public const int StuffingConcurrency = 2;

    public static readonly string[] GuessingVictims = ["load0", "load1", "load2"];

    private void Progress()
    {
        var logins = Records.Logins.ToArray();
        BenchRunner.Log(string.Create(CultureInfo.InvariantCulture,
            $"soak: {(SoakRecords.Now() - StartedMs) / 1000} s: {logins.Length} login attempts ({logins.Count(l => l.Outcome == LoginOutcome.Allowed)} allowed), " +
            $"{Records.IdleEstablished} IDLE sessions established, {Records.IdleLosses.Count} ended unasked, {Records.Relays.Count} relays"));
    }

    /// <summary>A paced share of the mixed load: IMAP 50 %, POP3 25 %, SMTP 25 %; 10 % wrong passwords (three stale ones per user).</summary>
    private async Task LoadWorkerAsync(int worker, int workers, CancellationToken token)
    {
        var random = new Random(1000 + worker);
        var interval = TimeSpan.FromSeconds(workers / options.LoadLoginsPerSecond);
        var next = DateTime.UtcNow;
        while (!token.IsCancellationRequested)
        {
            var f = random.Next(options.Frontends.Count);
            var roll = random.Next(4);
            var protocol = roll < 2 ? SoakProtocol.Imap : roll == 2 ? SoakProtocol.Pop3 : SoakProtocol.Smtp;
            var user = $"load{random.Next(3, SoakUsers.LoadUsers)}";
            var right = random.Next(10) != 0;
            var password = right ? SoakUsers.RightPassword(user) : $"stale{random.Next(3)}";
            var fetch = protocol == SoakProtocol.Imap && right && random.Next(10) == 0;
            await AttemptAsync("load", f, protocol, user, password, null, fetch, token);
            next += interval;
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, token).ContinueWith(_ => { }, TaskScheduler.Default);
            else next = DateTime.UtcNow;
        }
    }

    /// <summary>The recovery probe of one Frontend: an IMAP login with the right password every 250 ms.</summary>
    private async Task ProbeAsync(int f, CancellationToken token)
    {
        var n = 0;
        while (!token.IsCancellationRequested)
        {
            var user = $"probe{n++ % SoakUsers.ProbeUsers}";
            await AttemptAsync("probe", f, SoakProtocol.Imap, user, SoakUsers.RightPassword(user), null, false, token);
            await Task.Delay(250, token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Credential stuffing from 127.0.2.1–250: every attempt a login and password never tried before, 2 per second per worker.</summary>
    private async Task StuffingAsync(int worker, CancellationToken token)
    {
        var n = 0;
        while (!token.IsCancellationRequested)
        {
            var i = n++ * StuffingConcurrency + worker;
            var from = IPAddress.Parse($"127.0.2.{1 + i % 250}");
            await AttemptAsync("stuffing", i % options.Frontends.Count, SoakProtocol.Imap, $"stuff{i}", $"guess{i}", from, false, token);
            await Task.Delay(500, token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Password guessing from 127.0.3.1–250 against three real users: a new wrong password each attempt, one at a time, 2 per second.</summary>
    private async Task GuessingAsync(CancellationToken token)
    {
        var n = 0;
        while (!token.IsCancellationRequested)
        {
            var i = n++;
            var from = IPAddress.Parse($"127.0.3.{1 + i % 250}");
            await AttemptAsync("guessing", i % options.Frontends.Count, SoakProtocol.Imap, GuessingVictims[i % GuessingVictims.Length], $"guess{i}", from,
                false, token);
            await Task.Delay(500, token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task AttemptAsync(string kind, int f, SoakProtocol protocol, string user, string password, IPAddress? from, bool fetch, CancellationToken token)
    {
        var frontend = options.Frontends[f];
        var port = protocol switch { SoakProtocol.Imap => frontend.Imap, SoakProtocol.Pop3 => frontend.Pop3, _ => frontend.Smtp };
        var start = SoakRecords.Now();
        // Bounded: the longest a login may take is the retry budget plus one grain call's deadline, plus the throttling delays.
        var (outcome, detail) = await SoakLogin.RunAsync(protocol, port, user, password, from, fetch, TimeSpan.FromSeconds(60), token);
        if (token.IsCancellationRequested && outcome == LoginOutcome.Error) return;   // cut by the end of the run
        var end = SoakRecords.Now();
        Records.Logins.Enqueue(new LoginRecord(start, end, kind, f, protocol, user, SoakUsers.SecretHash(user, password),
            SoakUsers.IsRight(user, password), outcome, detail, from?.ToString() ?? "127.0.0.1"));
        if (fetch && outcome == LoginOutcome.Allowed) Records.Relays.Enqueue(end);
    }

    /// <summary>Every 5 s the RSS of each process named in the pids folder and of each of its children.</summary>
    private async Task SampleRssAsync(CancellationToken token)
    {
        var folder = Path.Combine(options.Work, "pids");
        while (!token.IsCancellationRequested)
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (!int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
                // Each process of the tree on its own (Dovecot's and Postfix's workers under their names): a sum over a
                // changing set of workers would trend with the number of sessions, not with a leak.
                var role = Path.GetFileName(file);
                foreach (var (member, name, rss) in ProcessTree.EachRss(pid))
                    Records.Rss.Enqueue(new RssSample(SoakRecords.Now(), member == pid ? role : $"{role} {name}", member, rss));
            }
            await Task.Delay(5000, token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Invariant (d), first half: once every client has closed its sessions, every login's session list (admin API,
    /// <c>GET /admin/sessions?login=</c>) empties within the lease TTL plus one renewal period plus 15 s (slots of a
    /// killed Frontend's sessions expire, README "Session limits"); whatever is left then has leaked.
    /// </summary>
    private async Task CheckSlotsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminToken);
        var logins = Enumerable.Range(0, options.IdleSessions).Select(i => $"idle{i}")
            .Concat(Enumerable.Range(0, SoakUsers.LoadUsers).Select(i => $"load{i}"))
            .Concat(Enumerable.Range(0, SoakUsers.ProbeUsers).Select(i => $"probe{i}")).ToList();
        var started = SoakRecords.Now();
        var deadline = started + (long)((options.LeaseTtl + options.LeaseTtl / 3 + TimeSpan.FromSeconds(15)).TotalMilliseconds);
        var pending = logins;
        while (true)
        {
            var left = new Dictionary<string, int>();
            foreach (var login in pending)
            {
                var count = await SessionCountAsync(http, login);
                if (count != 0) left[login] = count;
            }
            if (left.Count == 0)
            {
                SlotsClearedAfterSeconds = (SoakRecords.Now() - started) / 1000.0;
                BenchRunner.Log(string.Create(CultureInfo.InvariantCulture, $"soak: every session slot released {SlotsClearedAfterSeconds:F1} s after the clients closed"));
                return;
            }
            if (SoakRecords.Now() > deadline)
            {
                foreach (var (login, count) in left) LeakedSlots[login] = count;
                BenchRunner.Log($"soak: {left.Count} login(s) still hold session slots past the lease TTL");
                return;
            }
            pending = [.. left.Keys];
            await Task.Delay(2000);
        }
    }

    /// <summary>Sessions the admin API lists for a login, asking each Silo in turn; -1 when none answers.</summary>
    private async Task<int> SessionCountAsync(HttpClient http, string login)
    {
        foreach (var url in options.AdminUrls)
        {
            try
            {
                using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{url}/admin/sessions?login={login}")));
                return document.RootElement.GetArrayLength();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
            }
        }
        return -1;
    }

    /// <summary>
    /// Invariant (d), second half: for ten IDLE users (whose sessions lived through every Frontend kill) the limit's
    /// full count opens again, held at once through the first Frontend, and one more gets the limit's reply.
    /// </summary>
    private async Task OpenFullCountAsync()
    {
        var frontend = options.Frontends[0];
        for (var i = 0; i < Math.Min(10, options.IdleSessions); i++)
        {
            var user = $"idle{i}";
            var held = new List<LineConnection>();
            try
            {
                string extra = "";
                for (var s = 0; s <= options.SessionLimitPerLogin; s++)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    var c = await LineConnection.ConnectAsync(frontend.Imap, SoakLogin.BufferSize, timeout.Token);
                    held.Add(c);
                    await c.ExpectImapGreetingAsync(timeout.Token);
                    await c.SendAsync(System.Text.Encoding.ASCII.GetBytes($"a LOGIN {user} {SoakUsers.RightPassword(user)}\r\n"), timeout.Token);
                    var reply = await SoakLogin.TaggedAsync(c, "a ", timeout.Token);
                    if (s < options.SessionLimitPerLogin && !reply.StartsWith("a OK", StringComparison.Ordinal))
                    {
                        FullCount.Add((user, s, reply));
                        break;
                    }
                    if (s == options.SessionLimitPerLogin) extra = reply;
                }
                if (extra.Length > 0) FullCount.Add((user, options.SessionLimitPerLogin, extra));
            }
            catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                FullCount.Add((user, held.Count - 1, "error: " + e.Message));
            }
            finally
            {
                foreach (var c in held) c.Dispose();
            }
        }
    }
}
