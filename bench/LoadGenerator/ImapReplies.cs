using System.Text;

namespace OrleansMail.Bench;

/// <summary>IMAP replies as the scenarios expect them (greeting, tagged OK, continuation, FETCH literal).</summary>
internal static class ImapReplies
{
    /// <summary>Reads lines until the tagged reply for <paramref name="tag"/>; throws unless it is OK.</summary>
    public static async ValueTask ExpectTaggedOkAsync(this LineConnection connection, ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await connection.ReadLineAsync(cancellationToken);
            if (IsTagged(line.Span, tag.Span, out var ok))
            {
                if (!ok) throw new BenchProtocolException("unexpected reply: " + Encoding.ASCII.GetString(line.Span));
                return;
            }
        }
    }

    /// <summary>
    /// Reads lines until every tag of <paramref name="tags"/> had its tagged reply, in whatever order they come
    /// (pipelined commands may complete out of order); throws unless each is OK.
    /// </summary>
    public static async ValueTask ExpectTaggedOksAsync(this LineConnection connection, ReadOnlyMemory<byte>[] tags, CancellationToken cancellationToken)
    {
        if (tags.Length == 1)
        {
            await connection.ExpectTaggedOkAsync(tags[0], cancellationToken);
            return;
        }
        var pending = tags.Length;
        var seen = new bool[tags.Length];
        while (pending > 0)
        {
            var line = await connection.ReadLineAsync(cancellationToken);
            for (var i = 0; i < tags.Length; i++)
            {
                if (seen[i] || !IsTagged(line.Span, tags[i].Span, out var ok)) continue;
                if (!ok) throw new BenchProtocolException("unexpected reply: " + Encoding.ASCII.GetString(line.Span));
                seen[i] = true;
                pending--;
                break;
            }
        }
    }

    /// <summary>Reads the greeting; throws unless it is <c>* OK</c>.</summary>
    public static async ValueTask ExpectImapGreetingAsync(this LineConnection connection, CancellationToken cancellationToken)
    {
        var line = await connection.ReadLineAsync(cancellationToken);
        if (!line.Span.StartsWith("* OK"u8))
        {
            throw new BenchProtocolException("unexpected greeting: " + Encoding.ASCII.GetString(line.Span));
        }
    }

    /// <summary>Reads until a continuation request (<c>+ ...</c>); a tagged reply on the way is an error.</summary>
    public static async ValueTask ExpectContinuationAsync(this LineConnection connection, ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await connection.ReadLineAsync(cancellationToken);
            if (line.Span.StartsWith("+"u8)) return;
            if (IsTagged(line.Span, tag.Span, out _))
            {
                throw new BenchProtocolException("expected a continuation, got: " + Encoding.ASCII.GetString(line.Span));
            }
        }
    }

    /// <summary>
    /// Reads the reply to <c>tag FETCH n BODY.PEEK[]</c>: the untagged FETCH line ending in <c>{size}</c>, the
    /// literal (skipped), the rest of the FETCH line, then the tagged OK. Returns the literal's size.
    /// </summary>
    public static async ValueTask<long> ReadFetchLiteralAsync(this LineConnection connection, ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        long size = -1;
        while (true)
        {
            var line = await connection.ReadLineAsync(cancellationToken);
            var span = line.Span;
            if (IsTagged(span, tag.Span, out var ok))
            {
                if (!ok) throw new BenchProtocolException("FETCH failed: " + Encoding.ASCII.GetString(span));
                if (size < 0) throw new BenchProtocolException("FETCH returned no literal");
                return size;
            }
            if (span.Length > 2 && span[^1] == '}' && span.StartsWith("* "u8))
            {
                var open = span.LastIndexOf((byte)'{');
                if (open < 0 || !long.TryParse(span[(open + 1)..^1], out var literal))
                {
                    throw new BenchProtocolException("bad literal in: " + Encoding.ASCII.GetString(span));
                }
                size = literal;
                await connection.SkipAsync(literal, cancellationToken);
            }
        }
    }

    private static bool IsTagged(ReadOnlySpan<byte> line, ReadOnlySpan<byte> tag, out bool ok)
    {
        ok = false;
        if (line.Length <= tag.Length || !line.StartsWith(tag) || line[tag.Length] != ' ') return false;
        ok = line[(tag.Length + 1)..].StartsWith("OK"u8);
        return true;
    }
}
