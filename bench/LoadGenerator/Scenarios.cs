using System.Diagnostics;
using System.Text;

namespace OrleansMail.Bench;

/// <summary>
/// The bench users, all with one password: <c>bench0</c>..<c>bench{Count-1}</c> and <c>benchrelay</c> (login and
/// relay scenarios), <c>idle0</c>..<c>idle{Count-1}</c> (idle scenario; the auth server sends them to the second Dovecot).
/// </summary>
internal sealed class BenchUsers
{
    public const string RelayUser = "benchrelay";

    private readonly byte[][] _loginCommands;
    private readonly byte[][] _idleLoginCommands;

    public BenchUsers(int count, string password)
    {
        Count = count;
        Password = password;
        _loginCommands = new byte[count][];
        _idleLoginCommands = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            _loginCommands[i] = Encoding.ASCII.GetBytes($"a LOGIN bench{i} {password}\r\n");
            _idleLoginCommands[i] = Encoding.ASCII.GetBytes($"a LOGIN idle{i} {password}\r\n");
        }
        RelayLogin = Encoding.ASCII.GetBytes($"a LOGIN {RelayUser} {password}\r\n");
    }

    public int Count { get; }
    public string Password { get; }
    public byte[] RelayLogin { get; }

    /// <summary><c>a LOGIN benchN password\r\n</c> for user <paramref name="index"/> (wrapped).</summary>
    public ReadOnlyMemory<byte> Login(long index) => _loginCommands[(int)(index % Count)];

    /// <summary><c>a LOGIN idleN password\r\n</c> for user <paramref name="index"/> (wrapped).</summary>
    public ReadOnlyMemory<byte> IdleLogin(long index) => _idleLoginCommands[(int)(index % Count)];
}

internal sealed record LoginRun(long Logins, long Errors, double Seconds, double P50Ms, double P99Ms, string? FirstError)
{
    public double Rate => Seconds > 0 ? Logins / Seconds : 0;
}

internal sealed record RelayRun(long Bytes, long Fetches, double Seconds, long Errors, string? FirstError)
{
    public double MegabytesPerSecond => Seconds > 0 ? Bytes / 1e6 / Seconds : 0;
}

internal sealed record MessageRun(long Messages, long Bytes, double Seconds, long Errors, string? FirstError)
{
    public double Rate => Seconds > 0 ? Messages / Seconds : 0;
}

internal sealed record IdleRun(int Requested, int Opened, long Errors, double OpenSeconds, string? FirstError);

/// <summary>The three client behaviours. Every run is bounded in count and in time and talks to 127.0.0.1 only.</summary>
internal static class Scenarios
{
    private static readonly ReadOnlyMemory<byte> TagA = "a"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagB = "b"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagF = "f"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagI = "i"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TagS = "s"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Logout = "b LOGOUT\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> SelectInbox = "s SELECT INBOX\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> FetchFirst = "f FETCH 1 BODY.PEEK[]\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Idle = "i IDLE\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Done = "DONE\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> LogoutZ = "z LOGOUT\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> MailFrom = "MAIL FROM:<bench@example.org>\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> RcptTo = "RCPT TO:<sink@example.org>\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Data = "DATA\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> DataEnd = ".\r\n"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Code354 = "354"u8.ToArray();

    /// <summary>The longest any single connection step may take before it counts as an error.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// <paramref name="concurrency"/> workers, each looping connect, the <paramref name="dialogue"/>'s login (IMAP:
    /// greeting, LOGIN, tagged OK), its logout (IMAP: LOGOUT, tagged OK), close, until <paramref name="duration"/> has
    /// passed or <paramref name="maxLogins"/> were started. Worker w's k-th login uses user (w + k·concurrency) mod
    /// users, so concurrent logins are for different users. Latency: from connect to the login's success reply.
    /// </summary>
    public static Task<LoginRun> LoginsAsync(int port, int concurrency, TimeSpan duration, long maxLogins, ILoginDialogue dialogue) =>
        LoginsAsync([port], concurrency, duration, maxLogins, dialogue);

    /// <summary>As above, worker w connecting to <paramref name="ports"/>[w mod count]: the load split evenly over several front ends.</summary>
    public static async Task<LoginRun> LoginsAsync(IReadOnlyList<int> ports, int concurrency, TimeSpan duration, long maxLogins, ILoginDialogue dialogue)
    {
        long started = 0, logins = 0, errors = 0;
        string? firstError = null;
        var latencies = new List<long>[concurrency];
        var stopwatch = Stopwatch.StartNew();
        var deadline = duration;

        async Task Worker(int w)
        {
            var mine = latencies[w] = new List<long>(4096);
            var k = 0L;
            while (stopwatch.Elapsed < deadline && Interlocked.Increment(ref started) <= maxLogins)
            {
                using var timeout = new CancellationTokenSource(StepTimeout);
                var token = timeout.Token;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var connection = await LineConnection.ConnectAsync(ports[w % ports.Count], 4096, token);
                    await dialogue.LoginAsync(connection, w + k * concurrency, token);
                    mine.Add(Stopwatch.GetTimestamp() - t0);
                    await dialogue.LogoutAsync(connection, token);
                    Interlocked.Increment(ref logins);
                }
                catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
                k++;
            }
        }

        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var index = w;
            workers[w] = Task.Run(() => Worker(index));
        }
        await Task.WhenAll(workers);
        var seconds = stopwatch.Elapsed.TotalSeconds;

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new LoginRun(logins, errors, seconds, PercentileMs(all, 0.50), PercentileMs(all, 0.99), firstError);
    }

    internal static double PercentileMs(long[] sortedTicks, double p)
    {
        if (sortedTicks.Length == 0) return 0;
        var index = (int)Math.Ceiling(p * sortedTicks.Length) - 1;
        return sortedTicks[Math.Clamp(index, 0, sortedTicks.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>
    /// One connection as <see cref="BenchUsers.RelayUser"/>: LOGIN, SELECT INBOX, then <c>FETCH 1 BODY.PEEK[]</c>
    /// (the 10 MB message) one after another until <paramref name="duration"/> or <paramref name="maxFetches"/>.
    /// </summary>
    /// <param name="tls">Implicit TLS: the handshake right after connecting (the FETCHes then run encrypted); null: plaintext.</param>
    public static async Task<RelayRun> RelayAsync(int port, TimeSpan duration, long maxFetches, BenchUsers users, TlsClient? tls = null)
    {
        using var overall = new CancellationTokenSource(duration + StepTimeout + StepTimeout);
        var token = overall.Token;
        long fetches = 0;
        var stopwatch = new Stopwatch();
        try
        {
            using var connection = await LineConnection.ConnectAsync(port, 256 * 1024, token);
            if (tls is not null) await connection.StartTlsAsync(tls, token);
            await connection.ExpectImapGreetingAsync(token);
            await connection.SendAsync(users.RelayLogin, token);
            await connection.ExpectTaggedOkAsync(TagA, token);
            await connection.SendAsync(SelectInbox, token);
            await connection.ExpectTaggedOkAsync(TagS, token);
            stopwatch.Start();
            while (fetches < maxFetches && (fetches == 0 || stopwatch.Elapsed < duration))
            {
                await connection.SendAsync(FetchFirst, token);
                await connection.ReadFetchLiteralAsync(TagF, token);
                fetches++;
            }
            stopwatch.Stop();
            await connection.SendAsync(Logout, token);
            await connection.ExpectTaggedOkAsync(TagB, token);
            return new RelayRun(connection.LiteralBytes, fetches, stopwatch.Elapsed.TotalSeconds, 0, null);
        }
        catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return new RelayRun(0, fetches, stopwatch.Elapsed.TotalSeconds, 1, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Opens <paramref name="sessions"/> connections (LOGIN, SELECT INBOX, IDLE, continuation), <paramref name="openers"/>
    /// at a time; then calls <paramref name="whileHeld"/> with all of them idling; then ends each IDLE with DONE
    /// (its tagged OK proves the session survived), sends LOGOUT and closes.
    /// </summary>
    public static async Task<IdleRun> IdleAsync(int port, int sessions, int openers, BenchUsers users, Func<Task> whileHeld)
    {
        var connections = new LineConnection?[sessions];
        long errors = 0;
        string? firstError = null;
        var next = -1;
        var stopwatch = Stopwatch.StartNew();

        void Fail(Exception e)
        {
            Interlocked.Increment(ref errors);
            Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
        }

        async Task Opener()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sessions)
            {
                using var timeout = new CancellationTokenSource(StepTimeout);
                var token = timeout.Token;
                LineConnection? connection = null;
                try
                {
                    connection = await LineConnection.ConnectAsync(port, 1024, token);
                    await connection.ExpectImapGreetingAsync(token);
                    await connection.SendAsync(users.IdleLogin(i), token);
                    await connection.ExpectTaggedOkAsync(TagA, token);
                    await connection.SendAsync(SelectInbox, token);
                    await connection.ExpectTaggedOkAsync(TagS, token);
                    await connection.SendAsync(Idle, token);
                    await connection.ExpectContinuationAsync(TagI, token);
                    connections[i] = connection;
                }
                catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    connection?.Dispose();
                    Fail(e);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, openers).Select(_ => Task.Run(Opener)));
        var openSeconds = stopwatch.Elapsed.TotalSeconds;
        var opened = connections.Count(c => c is not null);

        try
        {
            await whileHeld();
        }
        finally
        {
            next = -1;
            async Task Closer()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < sessions)
                {
                    var connection = connections[i];
                    if (connection is null) continue;
                    using var timeout = new CancellationTokenSource(StepTimeout);
                    try
                    {
                        await connection.SendAsync(Done, timeout.Token);
                        await connection.ExpectTaggedOkAsync(TagI, timeout.Token);
                        await connection.SendAsync(LogoutZ, timeout.Token);
                    }
                    catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                    {
                        Fail(e);
                    }
                    finally
                    {
                        connection.Dispose();
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, openers).Select(_ => Task.Run(Closer)));
        }

        return new IdleRun(sessions, opened, errors, openSeconds, firstError);
    }

    /// <summary>
    /// SMTP message throughput: <paramref name="concurrency"/> workers, each looping connect, the SMTP login (EHLO,
    /// AUTH PLAIN, 235), then up to <paramref name="messagesPerConnection"/> messages (MAIL FROM, 250, RCPT TO, 250,
    /// DATA, 354, the message and the final dot, 250; no pipelining), QUIT, 221, until <paramref name="duration"/> has
    /// passed or <paramref name="maxMessages"/> were started. A message counts once its end-of-data 250 arrived.
    /// </summary>
    public static async Task<MessageRun> SmtpMessagesAsync(
        int port, int concurrency, TimeSpan duration, long maxMessages, int messagesPerConnection, byte[] message, ILoginDialogue dialogue)
    {
        long started = 0, messages = 0, errors = 0;
        string? firstError = null;
        var stopwatch = Stopwatch.StartNew();
        var data = WithDataEnd(message);

        async Task Worker(int w)
        {
            var k = 0L;
            while (stopwatch.Elapsed < duration && Interlocked.Read(ref started) < maxMessages)
            {
                using var timeout = new CancellationTokenSource(duration + StepTimeout);
                var token = timeout.Token;
                try
                {
                    using var connection = await LineConnection.ConnectAsync(port, 4096, token);
                    await dialogue.LoginAsync(connection, w + k * concurrency, token);
                    for (var m = 0; m < messagesPerConnection && stopwatch.Elapsed < duration && Interlocked.Increment(ref started) <= maxMessages; m++)
                    {
                        await SendMessageAsync(connection, data, token);
                        Interlocked.Increment(ref messages);
                    }
                    await dialogue.LogoutAsync(connection, token);
                }
                catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
                k++;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Worker(w))));
        return new MessageRun(messages, messages * message.Length, stopwatch.Elapsed.TotalSeconds, errors, firstError);
    }

    /// <summary>
    /// One SMTP transaction, no pipelining: MAIL FROM, 250, RCPT TO, 250, DATA, 354, <paramref name="dataWithDot"/> (the
    /// message and the final dot), 250.
    /// </summary>
    public static async ValueTask SendMessageAsync(LineConnection connection, ReadOnlyMemory<byte> dataWithDot, CancellationToken token)
    {
        await connection.SendAsync(MailFrom, token);
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code250, token);
        await connection.SendAsync(RcptTo, token);
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code250, token);
        await connection.SendAsync(Data, token);
        await connection.ExpectSmtpReplyAsync(Code354, token);
        await connection.SendAsync(dataWithDot, token);
        await connection.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code250, token);
    }

    /// <summary>The message followed by the end-of-data line (<c>.</c> CRLF).</summary>
    public static byte[] WithDataEnd(byte[] message)
    {
        var data = new byte[message.Length + DataEnd.Length];
        message.CopyTo(data, 0);
        DataEnd.CopyTo(data.AsMemory(message.Length));
        return data;
    }

    /// <summary>
    /// Puts one message of <paramref name="size"/> bytes into <see cref="BenchUsers.RelayUser"/>'s INBOX over IMAP
    /// (APPEND with a synchronising literal) unless the INBOX already has one. Returns the message's size.
    /// </summary>
    public static async Task<long> EnsureRelayMessageAsync(int port, int size, BenchUsers users)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var token = timeout.Token;
        using var connection = await LineConnection.ConnectAsync(port, 64 * 1024, token);
        await connection.ExpectImapGreetingAsync(token);
        await connection.SendAsync(users.RelayLogin, token);
        await connection.ExpectTaggedOkAsync(TagA, token);

        var message = BuildMessage(size, "benchrelay@example.org", "OrleansMail relay benchmark");
        if (await connection.CountInboxAsync(token) == 0) await connection.AppendToInboxAsync(message, token);
        await connection.SendAsync(Logout, token);
        await connection.ExpectTaggedOkAsync(TagB, token);
        return message.Length;
    }

    /// <summary>
    /// A plain-text message of exactly <paramref name="size"/> bytes: headers, then 78-byte CRLF lines of base64
    /// letters (no line starts with a dot, so it goes into SMTP DATA as it is). Ends with CRLF.
    /// </summary>
    public static byte[] BuildMessage(int size, string to, string subject)
    {
        var header = Encoding.ASCII.GetBytes(
            $"From: bench@example.org\r\nTo: {to}\r\nSubject: {subject}\r\n" +
            "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\nMessage-ID: <relay@bench.example.org>\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        var message = new byte[size];
        header.CopyTo(message, 0);
        var random = new Random(42);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var position = header.Length;
        while (position < size)
        {
            var remaining = size - position;
            var lineLength = remaining <= 80 ? remaining : 78;
            for (var i = 0; i < lineLength - 2; i++) message[position + i] = (byte)alphabet[random.Next(alphabet.Length)];
            if (lineLength >= 2)
            {
                message[position + lineLength - 2] = (byte)'\r';
                message[position + lineLength - 1] = (byte)'\n';
            }
            else
            {
                message[position] = (byte)'\n';
            }
            position += lineLength;
        }
        return message;
    }
}
