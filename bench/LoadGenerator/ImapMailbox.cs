using System.Globalization;
using System.Text;

namespace OrleansMail.Bench;

/// <summary>Seeding a logged-in user's INBOX (directly at Dovecot, before the scenarios): count its messages, APPEND one.</summary>
internal static class ImapMailbox
{
    private static readonly ReadOnlyMemory<byte> TagP = "p"u8.ToArray();

    /// <summary><c>s STATUS INBOX (MESSAGES)</c>: the INBOX's message count.</summary>
    public static async ValueTask<int> CountInboxAsync(this LineConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendAsync("s STATUS INBOX (MESSAGES)\r\n"u8.ToArray(), cancellationToken);
        var count = 0;
        while (true)
        {
            var line = Encoding.ASCII.GetString((await connection.ReadLineAsync(cancellationToken)).Span);
            var at = line.IndexOf("(MESSAGES ", StringComparison.Ordinal);
            if (line.StartsWith("* STATUS", StringComparison.Ordinal) && at >= 0)
            {
                count = int.Parse(line[(at + "(MESSAGES ".Length)..line.IndexOf(')', at)], CultureInfo.InvariantCulture);
            }
            if (line.StartsWith("s ", StringComparison.Ordinal))
            {
                if (!line.StartsWith("s OK", StringComparison.Ordinal)) throw new BenchProtocolException(line);
                return count;
            }
        }
    }

    /// <summary><c>p APPEND INBOX {n}</c> with a synchronising literal: the continuation, the message, the tagged OK.</summary>
    public static async ValueTask AppendToInboxAsync(this LineConnection connection, byte[] message, CancellationToken cancellationToken)
    {
        await connection.SendAsync(Encoding.ASCII.GetBytes($"p APPEND INBOX {{{message.Length}}}\r\n"), cancellationToken);
        await connection.ExpectContinuationAsync(TagP, cancellationToken);
        await connection.SendAsync(message, cancellationToken);
        await connection.SendAsync("\r\n"u8.ToArray(), cancellationToken);
        await connection.ExpectTaggedOkAsync(TagP, cancellationToken);
    }
}
