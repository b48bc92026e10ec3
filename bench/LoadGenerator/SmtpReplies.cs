using System.Text;

namespace OrleansMail.Bench;

/// <summary>SMTP replies (RFC 5321 §4.2): lines <c>ddd-text</c> continue the reply, the line <c>ddd text</c> ends it.</summary>
internal static class SmtpReplies
{
    /// <summary>Reads one whole reply (all its lines); throws unless its code is <paramref name="code"/> (e.g. "250"u8).</summary>
    public static async ValueTask ExpectSmtpReplyAsync(this LineConnection connection, ReadOnlyMemory<byte> code, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await connection.ReadLineAsync(cancellationToken);
            var span = line.Span;
            if (span.Length < 3 || !span.StartsWith(code.Span))
            {
                throw new BenchProtocolException(
                    $"expected SMTP {Encoding.ASCII.GetString(code.Span)}, got: {Encoding.ASCII.GetString(span)}");
            }
            if (span.Length == 3 || span[3] != '-') return;
        }
    }
}
