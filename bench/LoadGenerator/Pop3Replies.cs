using System.Text;

namespace OrleansMail.Bench;

/// <summary>POP3 replies (RFC 1939 §3): one status line, <c>+OK</c> or <c>-ERR</c>.</summary>
internal static class Pop3Replies
{
    /// <summary>Reads one reply line; throws unless it starts with <c>+OK</c>.</summary>
    public static async ValueTask ExpectPop3OkAsync(this LineConnection connection, CancellationToken cancellationToken)
    {
        var line = await connection.ReadLineAsync(cancellationToken);
        if (!line.Span.StartsWith("+OK"u8))
        {
            throw new BenchProtocolException("unexpected POP3 reply: " + Encoding.ASCII.GetString(line.Span));
        }
    }
}
