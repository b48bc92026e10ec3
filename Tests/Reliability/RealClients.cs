using System.Collections.Concurrent;
using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace OrleansMail.Tests.Reliability;

/// <summary>
/// Real mail clients (MailKit) using the proxy while a flood runs: each loop connects, logs in, runs a command that reaches
/// Dovecot (IMAP SELECT INBOX, POP3 STAT) and logs out, again and again until stopped. Records each login's time (connect
/// to logged in) and every failure.
/// </summary>
internal sealed class RealClients(string host, int imapPort, int pop3Port, string user, string password)
{
    /// <summary>The longest one login or command may take before it counts as not served.</summary>
    private static readonly TimeSpan OperationLimit = TimeSpan.FromSeconds(30);

    private readonly ConcurrentBag<TimeSpan> _logins = [];
    private readonly ConcurrentBag<string> _failures = [];
    private readonly ConcurrentBag<(TimeSpan Started, TimeSpan Greeted, TimeSpan LoggedIn)> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IReadOnlyCollection<TimeSpan> Logins => _logins;

    /// <summary>The slowest logins: when each started (since these clients were made), how long to the greeting, how long to logged in.</summary>
    public IEnumerable<(TimeSpan Started, TimeSpan Greeted, TimeSpan LoggedIn)> Slowest(int count) => _timeline.OrderByDescending(t => t.LoggedIn).Take(count);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>The <paramref name="percentile"/> (0–100) of the login times, nearest rank.</summary>
    public TimeSpan LoginPercentile(double percentile)
    {
        var sorted = _logins.Order().ToArray();
        return sorted.Length == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Runs <paramref name="imapLoops"/> IMAP and <paramref name="pop3Loops"/> POP3 clients side by side until <paramref name="stop"/>.</summary>
    public Task RunAsync(int imapLoops, int pop3Loops, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, imapLoops).Select(_ => LoopAsync(ImapOnceAsync, stop))
            .Concat(Enumerable.Range(0, pop3Loops).Select(_ => LoopAsync(Pop3OnceAsync, stop))));

    private async Task LoopAsync(Func<CancellationToken, Task> once, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var limit = new CancellationTokenSource(OperationLimit);
            try
            {
                await once(limit.Token);
            }
            catch (Exception e)
            {
                _failures.Add($"{e.GetType().Name}: {e.Message}");
            }
            try { await Task.Delay(100, stop); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task ImapOnceAsync(CancellationToken cancellationToken)
    {
        using var client = new ImapClient();
        await OnceAsync(client, imapPort, () => client.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken), cancellationToken);
    }

    private async Task Pop3OnceAsync(CancellationToken cancellationToken)
    {
        using var client = new Pop3Client();
        await OnceAsync(client, pop3Port, () => client.GetMessageCountAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Connects, logs in (timed), runs <paramref name="command"/> and logs out.</summary>
    private async Task OnceAsync(MailService client, int port, Func<Task> command, CancellationToken cancellationToken)
    {
        var started = _clock.Elapsed;
        var clock = Stopwatch.StartNew();
        await client.ConnectAsync(host, port, SecureSocketOptions.None, cancellationToken);
        var greeted = clock.Elapsed;
        await client.AuthenticateAsync(user, password, cancellationToken);
        _logins.Add(clock.Elapsed);
        _timeline.Add((started, greeted, clock.Elapsed));
        await command();
        await client.DisconnectAsync(true, cancellationToken);
    }
}
