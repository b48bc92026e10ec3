using System.Diagnostics;
using System.Text;

namespace OrleansMail.Bench;

internal sealed record CommandRun(long Commands, long Errors, double Seconds, double P50Ms, double P99Ms, string? FirstError)
{
    public double Rate => Seconds > 0 ? Commands / Seconds : 0;
}

/// <summary>
/// Steady-state small-command relay, the part of imaptest's default run where clients stay logged in (imaptest is not
/// packaged in Debian): <c>clients</c> connections, each as its own user (bench0.., whose INBOX holds <see
/// cref="MessagesPerMailbox"/> small messages), log in once and SELECT INBOX, then loop over <see cref="Mix"/> for the
/// run's duration. Sequential: one command in flight per client, the latency of a command is from its send to its
/// tagged OK. Pipelined: <c>depth</c> commands are sent in one write and the client waits for all their tagged OKs (in
/// any order: RFC 9051 §5.5 lets a server run pipelined commands concurrently, and Dovecot answers a later NOOP before
/// an earlier FETCH) before the next batch; the latency is the batch's. Login and SELECT are not timed.
/// </summary>
internal static class SteadyCommands
{
    /// <summary>Messages each commands user's INBOX holds (seeded once, directly at Dovecot).</summary>
    public const int MessagesPerMailbox = 10;

    /// <summary>Size of each seeded message (bytes): a typical short mail.</summary>
    public const int MessageBytes = 2048;

    /// <summary>The loop: a keep-alive, one message's flags, every message's flags by UID (a client's resync).</summary>
    private static readonly string[] Mix = ["NOOP", "FETCH 1 (FLAGS)", "UID FETCH 1:* (FLAGS)"];

    private static readonly ReadOnlyMemory<byte> TagA = "a"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagS = "s"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagZ = "z"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> SelectInbox = "s SELECT INBOX\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Logout = "z LOGOUT\r\n"u8.ToArray();

    /// <summary>
    /// <paramref name="depth"/> commands of the mix as one write (tags c0..), rotating through the mix; index k of
    /// the batch is <see cref="Mix"/>[(start + k) mod 3]. Batches for each start so every client rotates evenly.
    /// </summary>
    private static (byte[] Bytes, ReadOnlyMemory<byte>[] Tags)[] Batches(int depth)
    {
        var tags = Enumerable.Range(0, depth).Select(k => (ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes($"c{k}")).ToArray();
        return Enumerable.Range(0, Mix.Length).Select(start =>
            (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, depth).Select(k => $"c{k} {Mix[(start + k) % Mix.Length]}\r\n"))), tags)).ToArray();
    }

    public static async Task<CommandRun> RunAsync(int port, int clients, int depth, TimeSpan duration, BenchUsers users)
    {
        long commands = 0, errors = 0;
        string? firstError = null;
        var latencies = new List<long>[clients];
        var batches = Batches(depth);
        var loggedIn = new CountdownEvent(clients);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopwatch = new Stopwatch();

        void Fail(Exception e)
        {
            Interlocked.Increment(ref errors);
            Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
        }

        async Task Client(int c)
        {
            var mine = latencies[c] = new List<long>(16384);
            using var overall = new CancellationTokenSource(duration + Scenarios.StepTimeout + Scenarios.StepTimeout);
            var token = overall.Token;
            var signalled = false;
            try
            {
                using var connection = await LineConnection.ConnectAsync(port, 16 * 1024, token);
                await connection.ExpectImapGreetingAsync(token);
                await connection.SendAsync(users.Login(c), token);
                await connection.ExpectTaggedOkAsync(TagA, token);
                await connection.SendAsync(SelectInbox, token);
                await connection.ExpectTaggedOkAsync(TagS, token);
                signalled = true;
                loggedIn.Signal();
                await go.Task;
                for (var b = c; stopwatch.Elapsed < duration; b++)
                {
                    var (bytes, tags) = batches[b % batches.Length];
                    var t0 = Stopwatch.GetTimestamp();
                    await connection.SendAsync(bytes, token);
                    await connection.ExpectTaggedOksAsync(tags, token);
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                    Interlocked.Add(ref commands, tags.Length);
                }
                await connection.SendAsync(Logout, token);
                await connection.ExpectTaggedOkAsync(TagZ, token);
            }
            catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                Fail(e);
            }
            finally
            {
                if (!signalled) loggedIn.Signal();
            }
        }

        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(() => Client(c))).ToArray();
        // Time only the steady state: every client logged in and selected before the clock starts.
        await Task.Run(() => loggedIn.Wait(Scenarios.StepTimeout));
        stopwatch.Start();
        go.SetResult();
        await Task.WhenAll(workers);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var all = latencies.Where(l => l is not null).SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new CommandRun(commands, errors, seconds, Scenarios.PercentileMs(all, 0.50), Scenarios.PercentileMs(all, 0.99), firstError);
    }

    /// <summary>
    /// Gives users bench0..bench{clients-1} <see cref="MessagesPerMailbox"/> small messages each in their INBOX (APPEND
    /// directly at Dovecot, only what is missing), as the relay scenario seeds its 10 MB message.
    /// </summary>
    public static async Task EnsureMailboxesAsync(int port, int clients, BenchUsers users)
    {
        var message = Scenarios.BuildMessage(MessageBytes, "bench@example.org", "OrleansMail steady-state commands");
        for (var c = 0; c < clients; c++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var token = timeout.Token;
            using var connection = await LineConnection.ConnectAsync(port, 16 * 1024, token);
            await connection.ExpectImapGreetingAsync(token);
            await connection.SendAsync(users.Login(c), token);
            await connection.ExpectTaggedOkAsync(TagA, token);
            for (var m = await connection.CountInboxAsync(token); m < MessagesPerMailbox; m++) await connection.AppendToInboxAsync(message, token);
            await connection.SendAsync(Logout, token);
            await connection.ExpectTaggedOkAsync(TagZ, token);
        }
    }
}
