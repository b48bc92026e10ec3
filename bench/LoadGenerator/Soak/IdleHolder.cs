using System.Globalization;
using System.Text;

namespace OrleansMail.Bench.Soak;

/// <summary>
/// One IMAP session held in IDLE (RFC 2177) through one Frontend for the whole soak: logged in, <c>ID</c> asked (each
/// Dovecot of the pool names itself in its ID answer, bench/soak.sh's <c>imap_id_send</c>, so a loss can be blamed on
/// the backend that was stopped), INBOX selected, IDLE; every 20–40 s <c>DONE</c> and IDLE again, which proves the
/// session still relays both ways. A read is always pending, so a close is noticed when it happens. A session that
/// ends is recorded as an <see cref="IdleLoss"/> and opened again a second later.
/// </summary>
internal sealed class IdleHolder(SoakFrontend frontend, int frontendIndex, string user, SoakRecords records)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        var random = new Random(user.GetHashCode(StringComparison.Ordinal));
        while (!stopping.IsCancellationRequested)
        {
            LineConnection? connection = null;
            long established = 0;
            string? backend = null;
            try
            {
                connection = await LineConnection.ConnectAsync(frontend.Imap, SoakLogin.BufferSize, stopping);
                using (var login = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    login.CancelAfter(TimeSpan.FromSeconds(40));
                    await connection.ExpectImapGreetingAsync(login.Token);
                    await connection.SendAsync(Encoding.ASCII.GetBytes($"a LOGIN {user} {SoakUsers.RightPassword(user)}\r\n"), login.Token);
                    var reply = await SoakLogin.TaggedAsync(connection, "a ", login.Token);
                    records.Logins.Enqueue(new LoginRecord(SoakRecords.Now(), SoakRecords.Now(), "idle", frontendIndex, SoakProtocol.Imap, user,
                        SoakUsers.SecretHash(user, SoakUsers.RightPassword(user)), true,
                        reply.StartsWith("a OK", StringComparison.Ordinal) ? LoginOutcome.Allowed : LoginOutcome.Temporary, reply, "127.0.0.1"));
                    if (!reply.StartsWith("a OK", StringComparison.Ordinal)) throw new BenchProtocolException(reply);
                    await connection.SendAsync("i ID NIL\r\n"u8.ToArray(), login.Token);
                    backend = BackendOf(await LinesUntilAsync(connection, "i ", login.Token));
                    await connection.SendAsync("s SELECT INBOX\r\nd IDLE\r\n"u8.ToArray(), login.Token);
                    await connection.ExpectTaggedOkAsync("s"u8.ToArray(), login.Token);
                    await ContinuationAsync(connection, login.Token);
                }
                established = SoakRecords.Now();
                Interlocked.Increment(ref records.IdleEstablished);
                var read = await HoldAsync(connection, random, stopping);
                // Stopping: leave IDLE and log out, so every session ends the way a client ends it.
                using var end = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await connection.SendAsync("DONE\r\nz LOGOUT\r\n"u8.ToArray(), end.Token);
                while (!Encoding.ASCII.GetString((await read.WaitAsync(end.Token)).Span).StartsWith("z ", StringComparison.Ordinal))
                    read = connection.ReadLineAsync(CancellationToken.None).AsTask();
                Interlocked.Increment(ref records.IdleClosedAtEnd);
            }
            catch (Exception e) when (e is BenchProtocolException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                if (established > 0 && !stopping.IsCancellationRequested)
                    records.IdleLosses.Enqueue(new IdleLoss(SoakRecords.Now(), established, frontendIndex, user, backend, e.Message));
                if (!stopping.IsCancellationRequested) await Task.Delay(1000, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                connection?.Dispose();
            }
        }
    }

    /// <summary>
    /// Holds IDLE until stopping; every 20–40 s a DONE/IDLE round trip. Throws when the session ends; returns the read
    /// still pending (one read at a time on a connection).
    /// </summary>
    private async Task<Task<ReadOnlyMemory<byte>>> HoldAsync(LineConnection connection, Random random, CancellationToken stopping)
    {
        var read = connection.ReadLineAsync(CancellationToken.None).AsTask();
        while (true)
        {
            var pause = Task.Delay(TimeSpan.FromSeconds(20 + random.Next(20)), stopping);
            var done = await Task.WhenAny(read, pause);
            if (done == read)
            {
                // An untagged line during IDLE ("* OK Still here", EXISTS) or the end of the session.
                await read;
                read = connection.ReadLineAsync(CancellationToken.None).AsTask();
                continue;
            }
            if (stopping.IsCancellationRequested) return read;
            using var check = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await connection.SendAsync("DONE\r\n"u8.ToArray(), check.Token);
            while (true)
            {
                var line = Encoding.ASCII.GetString((await read.WaitAsync(check.Token)).Span);
                read = connection.ReadLineAsync(CancellationToken.None).AsTask();
                if (line.StartsWith("d ", StringComparison.Ordinal))
                {
                    if (!line.StartsWith("d OK", StringComparison.Ordinal)) throw new BenchProtocolException("IDLE ended with: " + line);
                    break;
                }
            }
            await connection.SendAsync("d IDLE\r\n"u8.ToArray(), check.Token);
            while (true)
            {
                var line = Encoding.ASCII.GetString((await read.WaitAsync(check.Token)).Span);
                read = connection.ReadLineAsync(CancellationToken.None).AsTask();
                if (line.StartsWith('+')) break;
                if (line.StartsWith("d ", StringComparison.Ordinal)) throw new BenchProtocolException("IDLE refused: " + line);
            }
            Interlocked.Increment(ref records.IdleCheckedAlive);
        }
    }

    private static async Task ContinuationAsync(LineConnection connection, CancellationToken token)
    {
        while (true)
        {
            var line = Encoding.ASCII.GetString((await connection.ReadLineAsync(token)).Span);
            if (line.StartsWith('+')) return;
            if (line.StartsWith("d ", StringComparison.Ordinal)) throw new BenchProtocolException("IDLE refused: " + line);
        }
    }

    private static async Task<List<string>> LinesUntilAsync(LineConnection connection, string tagSpace, CancellationToken token)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = Encoding.ASCII.GetString((await connection.ReadLineAsync(token)).Span);
            lines.Add(line);
            if (line.StartsWith(tagSpace, StringComparison.Ordinal)) return lines;
        }
    }

    /// <summary>The <c>"x-backend" "NAME"</c> pair of the upstream's <c>* ID (...)</c> answer, if any.</summary>
    private static string? BackendOf(List<string> lines)
    {
        foreach (var line in lines)
        {
            var at = line.IndexOf("\"x-backend\" \"", StringComparison.OrdinalIgnoreCase);
            if (at < 0) continue;
            var start = at + "\"x-backend\" \"".Length;
            var end = line.IndexOf('"', start);
            if (end > start) return line[start..end].ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }
}
