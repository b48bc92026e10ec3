using System.Net.Sockets;
using System.Text;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// The active check: connect and read the protocol's greeting, the first thing the front end needs from an upstream
/// too (IMAP <c>* OK</c>, RFC 9051 §7.1.1; POP3 <c>+OK</c>, RFC 1939 §4; SMTP <c>220</c>, RFC 5321 §4.2). A server
/// that accepts connections but greets with <c>* BYE</c> or <c>554</c> (overloaded, shutting down) fails the check.
/// Then a polite goodbye, so the backend logs a clean disconnect rather than an aborted one.
/// </summary>
internal static class UpstreamProbe
{
    /// <summary>Greetings are short; a longer first line is not a mail server's greeting.</summary>
    private const int MaxGreeting = 1024;

    /// <summary>Null when the greeting was right, else why the check failed (for the admin API and the log).</summary>
    public static async Task<string?> CheckAsync(MailProtocol protocol, PoolUpstream upstream, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var (endPoint, opened) = UpstreamEndPoint.Open(upstream.Host, upstream.Port);
        using var socket = opened;
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token);
            var greeting = await ReadLineAsync(socket, deadline.Token);
            if (greeting is null) return "closed before the greeting";
            if (!greeting.StartsWith(Expected(protocol), StringComparison.Ordinal))
                return "unexpected greeting: " + (greeting.Length > 80 ? greeting[..80] : greeting);
            await socket.SendAsync(Goodbye(protocol), SocketFlags.None, deadline.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no greeting within {timeout.TotalMilliseconds:0}ms";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode.ToString();
        }
    }

    private static string Expected(MailProtocol protocol) => protocol switch
    {
        MailProtocol.Imap => "* OK",
        MailProtocol.Pop3 => "+OK",
        _ => "220",
    };

    private static byte[] Goodbye(MailProtocol protocol) =>
        Encoding.ASCII.GetBytes(protocol == MailProtocol.Imap ? "p LOGOUT\r\n" : "QUIT\r\n");

    private static async Task<string?> ReadLineAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxGreeting];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0) return null;
            filled += read;
            var end = Array.IndexOf(buffer, (byte)'\n', 0, filled);
            if (end >= 0) return Encoding.Latin1.GetString(buffer, 0, end).TrimEnd('\r');
        }
        return Encoding.Latin1.GetString(buffer, 0, filled);
    }
}
