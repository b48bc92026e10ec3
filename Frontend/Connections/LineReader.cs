using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace OrleansMail.Frontend.Connections;

/// <summary>The outcome of reading one line.</summary>
internal enum LineStatus
{
    Line,
    TooLong,
    Closed,
}

/// <summary>
/// Reads one CRLF- (or bare LF-) terminated line from a pipe, never buffering more than a limit: used for SASL
/// responses from the client and for the upstream's replies during login.
/// </summary>
internal static class LineReader
{
    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(LineStatus Status, string Line)> ReadLineAsync(
        PipeReader reader, LineLimit limit, Func<ValueTask<ReadResult>> read)
    {
        while (true)
        {
            if (TryTake(reader, await read(), limit, withLineEnd: false, out var taken)) return taken;
        }
    }

    /// <summary>
    /// As the other overload, reading with the pipe's own <see cref="PipeReader.ReadAsync"/>: no delegate per line.
    /// With <paramref name="withLineEnd"/> the line comes back ending in CRLF (a bare LF becomes CRLF), decoded into
    /// one string, for a line that goes on to the client as it is.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(LineStatus Status, string Line)> ReadLineAsync(
        PipeReader reader, int maxLength, CancellationToken cancellationToken, bool withLineEnd = false)
    {
        while (true)
        {
            if (TryTake(reader, await reader.ReadAsync(cancellationToken), maxLength, withLineEnd, out var taken)) return taken;
        }
    }

    /// <summary>Takes one line from what was read; false when more must be read first (the data stays in the pipe).</summary>
    private static bool TryTake(PipeReader reader, ReadResult result, LineLimit limit, bool withLineEnd, out (LineStatus, string) taken)
    {
        var buffer = result.Buffer;
        var lf = buffer.PositionOf((byte)'\n');
        if (lf is { } end)
        {
            var line = buffer.Slice(0, end);
            if (line.Length > limit.Length && !limit.AllowsLonger(line, complete: true))
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                taken = (LineStatus.TooLong, "");
                return true;
            }
            // Drop the CR before decoding rather than after, which would make a second string.
            if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);
            var text = withLineEnd ? DecodeWithLineEnd(line) : Encoding.UTF8.GetString(line);
            reader.AdvanceTo(buffer.GetPosition(1, end));
            taken = (LineStatus.Line, text);
            return true;
        }
        reader.AdvanceTo(buffer.Start, buffer.End);
        taken = buffer.Length > limit.Length && !limit.AllowsLonger(buffer, complete: false) ? (LineStatus.TooLong, "")
            : result.IsCompleted || result.IsCanceled ? (LineStatus.Closed, "")
            : default;
        return taken.Item2 is not null;
    }

    /// <summary>The line and CRLF in one string (decoding first and appending after would make two).</summary>
    private static string DecodeWithLineEnd(ReadOnlySequence<byte> line)
    {
        // A line split across pipe segments is rare (a login's replies are short): decode it the plain way.
        if (!line.IsSingleSegment) return Encoding.UTF8.GetString(line) + "\r\n";
        return string.Create(Encoding.UTF8.GetCharCount(line.FirstSpan) + 2, line, static (chars, bytes) =>
        {
            var written = Encoding.UTF8.GetChars(bytes.FirstSpan, chars);
            chars[written] = '\r';
            chars[written + 1] = '\n';
        });
    }
}
