using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Bench.Soak;

/// <summary>How a login attempt ended, as the client saw it.</summary>
internal enum LoginOutcome
{
    /// <summary>Logged in (IMAP <c>OK</c>, POP3 <c>+OK</c>, SMTP <c>235</c>).</summary>
    Allowed,

    /// <summary>The authentication failure (IMAP <c>NO</c>, POP3 <c>-ERR</c>, SMTP <c>535</c>), throttled or not.</summary>
    Refused,

    /// <summary>The temporary failure (IMAP <c>NO [UNAVAILABLE]</c>, POP3 <c>-ERR [SYS/TEMP]</c>, SMTP <c>454</c>).</summary>
    Temporary,

    /// <summary>The connection was refused: the Frontend was down.</summary>
    FrontendDown,

    /// <summary>Anything else: closed, timed out, an unexpected reply.</summary>
    Error,
}

internal enum SoakProtocol
{
    Imap,
    Pop3,
    Smtp,
}

/// <summary>
/// One login through a Frontend, from the greeting to the reply that decides it, then a logout (and for IMAP, when
/// asked, a FETCH of the first message: the relay). Outcomes instead of exceptions: the soak counts them all.
/// </summary>
internal static class SoakLogin
{
    public const int BufferSize = 64 * 1024;

    public static async Task<(LoginOutcome Outcome, string? Detail)> RunAsync(SoakProtocol protocol, int port, string user, string password,
        IPAddress? from, bool fetch, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        LineConnection connection;
        try
        {
            connection = await LineConnection.ConnectAsync(port, BufferSize, token, from);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return (LoginOutcome.FrontendDown, null);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return (LoginOutcome.Error, "connect: " + e.Message);
        }
        using (connection)
        {
            try
            {
                var outcome = protocol switch
                {
                    SoakProtocol.Imap => await ImapAsync(connection, user, password, fetch, token),
                    SoakProtocol.Pop3 => await Pop3Async(connection, user, password, token),
                    _ => await SmtpAsync(connection, user, password, token),
                };
                return outcome;
            }
            catch (Exception e) when (e is BenchProtocolException or SocketException or OperationCanceledException or IOException)
            {
                return (LoginOutcome.Error, e is OperationCanceledException ? "timed out" : e.Message);
            }
        }
    }

    private static async Task<(LoginOutcome, string?)> ImapAsync(LineConnection c, string user, string password, bool fetch, CancellationToken token)
    {
        await c.ExpectImapGreetingAsync(token);
        await c.SendAsync(Encoding.ASCII.GetBytes($"a LOGIN {user} {password}\r\n"), token);
        var reply = await TaggedAsync(c, "a ", token);
        if (!reply.StartsWith("a OK", StringComparison.Ordinal))
            return (reply.StartsWith("a NO [UNAVAILABLE]", StringComparison.Ordinal) ? LoginOutcome.Temporary : LoginOutcome.Refused, reply);
        if (fetch)
        {
            await c.SendAsync("s SELECT INBOX\r\nf FETCH 1 BODY.PEEK[]\r\n"u8.ToArray(), token);
            await c.ExpectTaggedOkAsync("s"u8.ToArray(), token);
            await c.ReadFetchLiteralAsync("f"u8.ToArray(), token);
        }
        await c.SendAsync("b LOGOUT\r\n"u8.ToArray(), token);
        await c.ExpectTaggedOkAsync("b"u8.ToArray(), token);
        return (LoginOutcome.Allowed, null);
    }

    private static async Task<(LoginOutcome, string?)> Pop3Async(LineConnection c, string user, string password, CancellationToken token)
    {
        await c.ExpectPop3OkAsync(token);
        await c.SendAsync(Encoding.ASCII.GetBytes($"USER {user}\r\n"), token);
        await c.ExpectPop3OkAsync(token);
        await c.SendAsync(Encoding.ASCII.GetBytes($"PASS {password}\r\n"), token);
        var reply = Encoding.ASCII.GetString((await c.ReadLineAsync(token)).Span);
        if (!reply.StartsWith("+OK", StringComparison.Ordinal))
            return (reply.StartsWith("-ERR [SYS/TEMP]", StringComparison.Ordinal) ? LoginOutcome.Temporary : LoginOutcome.Refused, reply);
        await c.SendAsync("QUIT\r\n"u8.ToArray(), token);
        await c.ExpectPop3OkAsync(token);
        return (LoginOutcome.Allowed, null);
    }

    private static async Task<(LoginOutcome, string?)> SmtpAsync(LineConnection c, string user, string password, CancellationToken token)
    {
        await c.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code220, token);
        await c.SendAsync("EHLO soak.client\r\n"u8.ToArray(), token);
        await c.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code250, token);
        var plain = Convert.ToBase64String(Encoding.ASCII.GetBytes($"\0{user}\0{password}"));
        await c.SendAsync(Encoding.ASCII.GetBytes($"AUTH PLAIN {plain}\r\n"), token);
        var reply = Encoding.ASCII.GetString((await c.ReadLineAsync(token)).Span);
        if (!reply.StartsWith("235", StringComparison.Ordinal))
            return (reply.StartsWith("454", StringComparison.Ordinal) ? LoginOutcome.Temporary : LoginOutcome.Refused, reply);
        await c.SendAsync("QUIT\r\n"u8.ToArray(), token);
        await c.ExpectSmtpReplyAsync(SmtpLoginDialogue.Code221, token);
        return (LoginOutcome.Allowed, null);
    }

    /// <summary>Reads lines until the one starting with <paramref name="tagSpace"/>, which it returns.</summary>
    public static async Task<string> TaggedAsync(LineConnection c, string tagSpace, CancellationToken token)
    {
        while (true)
        {
            var line = Encoding.ASCII.GetString((await c.ReadLineAsync(token)).Span);
            if (line.StartsWith(tagSpace, StringComparison.Ordinal)) return line;
        }
    }
}
