using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace OrleansMail.Bench;

/// <summary>What <see cref="PreloginFlood.RunAsync"/> measured.</summary>
internal sealed record PreloginFloodResult(
    int HeldRequested, int Held, int HeldAddresses, long RssBefore, long RssHeld, double RssPerIdleConnectionBytes,
    int FloodSent, int FloodGreeted, int FloodRefused, int FloodOther,
    int UserLogins, int UserFailures, double UserLoginP50Ms, double UserLoginMaxMs, string? FirstError)
{
    /// <summary>nginx (a fresh instance) holding the same idle pre-login connections: how many, and its RSS per connection.</summary>
    public int? NginxHeld { get; init; }
    public double? NginxRssPerIdleConnectionBytes { get; init; }
}

/// <summary>
/// The front door under a connection flood (README "Connection limits"), against one OrleansMail Frontend with the
/// default per-address pre-login limit:
/// <list type="number">
/// <item>memory: <c>held</c> idle pre-login connections (greeted, then silent) from many loopback addresses, at most
/// the limit per address, and the Frontend's RSS before and while they are held: RSS per idle pre-login connection;</item>
/// <item>the flood: <c>flood</c> more connections from 127.0.0.1, 100 at a time: at most the limit are greeted, the
/// rest refused with <c>* BYE</c>; meanwhile the real user logs in from 127.0.0.2 through Dovecot every 200 ms, each
/// login timed.</item>
/// </list>
/// Everything connects to 127.0.0.1 only and is closed at the end.
/// </summary>
internal static class PreloginFlood
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress RealUser = IPAddress.Parse("127.0.0.2");

    public static async Task<PreloginFloodResult> RunAsync(int port, int pid, int held, int perAddress, int flood, string user, string password)
    {
        string? firstError = null;
        void Fail(string error) => Interlocked.CompareExchange(ref firstError, error, null);
        var connections = new ConcurrentBag<LineConnection>();
        try
        {
            // 1. Idle pre-login connections from 127.0.1.0 upwards, perAddress each.
            var addresses = (held + perAddress - 1) / perAddress;
            var (opened, rssBefore, rssHeld) = await HoldIdleAsync(port, pid, held, perAddress, connections, Fail);

            // 2. The flood from one address, and the real user from another meanwhile.
            int greeted = 0, refused = 0, other = 0;
            var logins = new ConcurrentBag<double>();
            var userFailures = 0;
            using var flooding = new CancellationTokenSource();
            var login = Encoding.ASCII.GetBytes($"a LOGIN {user} {password}\r\nb LOGOUT\r\n");
            async Task<double> LogInAsync()
            {
                var clock = Stopwatch.StartNew();
                using var timeout = new CancellationTokenSource(StepTimeout);
                using var connection = await LineConnection.ConnectAsync(port, 4096, timeout.Token, RealUser);
                await connection.ExpectImapGreetingAsync(timeout.Token);
                await connection.SendAsync(login, timeout.Token);
                await connection.ExpectTaggedOkAsync("a"u8.ToArray(), timeout.Token);
                return clock.Elapsed.TotalMilliseconds;
            }
            // One login before the flood, not counted: the user's grain activates and Dovecot starts its session
            // processes, so the timed logins show what the flood does to them.
            try { await LogInAsync(); }
            catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                Fail($"real user, before the flood: {e.GetType().Name}: {e.Message}");
            }
            var realUser = Task.Run(async () =>
            {
                do
                {
                    try
                    {
                        logins.Add(await LogInAsync());
                    }
                    catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                    {
                        Interlocked.Increment(ref userFailures);
                        Fail($"real user: {e.GetType().Name}: {e.Message}");
                    }
                    await Task.Delay(200);
                } while (!flooding.IsCancellationRequested);
            });
            await ForEachAsync(flood, async _ =>
            {
                using var timeout = new CancellationTokenSource(StepTimeout);
                var connection = await LineConnection.ConnectAsync(port, 256, timeout.Token, Attacker);
                var line = Encoding.ASCII.GetString((await connection.ReadLineAsync(timeout.Token)).Span);
                if (line.StartsWith("* OK", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref greeted);
                    connections.Add(connection); // held open by the attacker
                    return;
                }
                connection.Dispose();
                if (line.StartsWith("* BYE [UNAVAILABLE]", StringComparison.Ordinal)) Interlocked.Increment(ref refused);
                else
                {
                    Interlocked.Increment(ref other);
                    Fail("flood: unexpected first line " + line);
                }
            }, Fail);
            await flooding.CancelAsync();
            await realUser;

            var times = logins.Order().ToList();
            return new PreloginFloodResult(held, opened, addresses, rssBefore, rssHeld, opened == 0 ? 0 : (rssHeld - rssBefore) / (double)opened,
                flood, greeted, refused, other, times.Count, userFailures,
                times.Count == 0 ? 0 : times[times.Count / 2], times.Count == 0 ? 0 : times[^1], firstError);
        }
        finally
        {
            foreach (var connection in connections) connection.Dispose();
        }
    }

    /// <summary>
    /// Opens <paramref name="held"/> idle pre-login connections (greeted, then silent) from 127.0.1.1 upwards,
    /// <paramref name="perAddress"/> per address, into <paramref name="connections"/>; returns how many opened and the
    /// RSS of process tree <paramref name="pid"/> before and while they are held (after 2 s to settle).
    /// </summary>
    public static async Task<(int Opened, long RssBefore, long RssHeld)> HoldIdleAsync(
        int port, int pid, int held, int perAddress, ConcurrentBag<LineConnection> connections, Action<string> fail)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var rssBefore = ProcessTree.RssBytes(pid);
        var opened = 0;
        await ForEachAsync(held, async i =>
        {
            var from = new IPAddress(new byte[] { 127, 0, (byte)(1 + i / perAddress / 250), (byte)(1 + i / perAddress % 250) });
            using var timeout = new CancellationTokenSource(StepTimeout);
            var connection = await LineConnection.ConnectAsync(port, 256, timeout.Token, from);
            connections.Add(connection);
            await connection.ExpectImapGreetingAsync(timeout.Token);
            Interlocked.Increment(ref opened);
        }, fail);
        await Task.Delay(TimeSpan.FromSeconds(2));
        return (opened, rssBefore, ProcessTree.RssBytes(pid));
    }

    /// <summary>
    /// The same idle pre-login connections held against nginx (a fresh instance, like the flood's OrleansMail), for
    /// nginx's RSS per idle pre-login connection next to OrleansMail's; closed again before the flood.
    /// </summary>
    public static async Task<(int Opened, double RssPerIdleConnectionBytes, string? FirstError)> NginxIdleAsync(int port, int pid, int held, int perAddress)
    {
        string? firstError = null;
        var connections = new ConcurrentBag<LineConnection>();
        try
        {
            var (opened, before, heldRss) = await HoldIdleAsync(port, pid, held, perAddress, connections,
                error => Interlocked.CompareExchange(ref firstError, error, null));
            return (opened, opened == 0 ? 0 : (heldRss - before) / (double)opened, firstError);
        }
        finally
        {
            foreach (var connection in connections) connection.Dispose();
        }
    }

    /// <summary>Runs <paramref name="step"/> for 0..count-1, 100 at a time; a failed step is reported, not thrown.</summary>
    private static async Task ForEachAsync(int count, Func<int, Task> step, Action<string> fail)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try { await step(i); }
                catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    fail($"{e.GetType().Name}: {e.Message}");
                }
            }
        })));
    }

    /// <summary>Writes PREFIX.json and PREFIX.md; returns the problems the smoke check finds (none: the run is good).</summary>
    public static List<string> Report(PreloginFloodResult result, int perAddress, string prefix)
    {
        var nginx = result.NginxRssPerIdleConnectionBytes is { } n
            ? string.Create(CultureInfo.InvariantCulture, $"| nginx (fresh, same connections: {result.NginxHeld} of {result.HeldRequested} held): RSS per idle pre-login connection | {n / 1024:F1} KB (OrleansMail / nginx {(n > 0 ? (result.RssPerIdleConnectionBytes / n).ToString("F2", CultureInfo.InvariantCulture) : "—")}) |")
            : "";
        File.WriteAllText(prefix + ".json", JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        var md = string.Create(CultureInfo.InvariantCulture, $"""
            ### Connection flood (OrleansMail, default per-address pre-login limit {perAddress})

            | measurement | value |
            |---|---|
            | idle pre-login connections held (greeted, silent), from {result.HeldAddresses} addresses | {result.Held} of {result.HeldRequested} |
            | Frontend RSS before → while held | {result.RssBefore / 1048576.0:F1} MB → {result.RssHeld / 1048576.0:F1} MB |
            | **RSS per idle pre-login connection** | **{result.RssPerIdleConnectionBytes / 1024:F1} KB** |
            {nginx}
            | flood from 127.0.0.1: connections / greeted / refused (`* BYE [UNAVAILABLE]`) / other | {result.FloodSent} / {result.FloodGreeted} / {result.FloodRefused} / {result.FloodOther} |
            | real user from 127.0.0.2 meanwhile: logins / failures | {result.UserLogins} / {result.UserFailures} |
            | real user's login time p50 / max | {result.UserLoginP50Ms:F0} ms / {result.UserLoginMaxMs:F0} ms |

            """);
        File.WriteAllText(prefix + ".md", md);
        Console.WriteLine(md);

        var problems = new List<string>();
        if (result.NginxHeld is { } nginxHeld && nginxHeld != result.HeldRequested) problems.Add($"flood: nginx held {nginxHeld} of {result.HeldRequested} idle pre-login connections");
        if (result.Held != result.HeldRequested) problems.Add($"flood: {result.Held} of {result.HeldRequested} idle pre-login connections opened ({result.FirstError})");
        if (result.FloodGreeted > perAddress) problems.Add($"flood: {result.FloodGreeted} connections from one address greeted, the limit is {perAddress}");
        if (result.FloodGreeted + result.FloodRefused != result.FloodSent) problems.Add($"flood: {result.FloodOther} connections neither greeted nor refused ({result.FirstError})");
        if (result.UserLogins == 0 || result.UserFailures > 0) problems.Add($"flood: the real user logged in {result.UserLogins} times and failed {result.UserFailures} ({result.FirstError})");
        return problems;
    }
}
