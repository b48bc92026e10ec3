using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace OrleansMail.Frontend.Connections;

/// <summary>The outcome of reading one line.</summary>
internal enum LineStatus
{
    Line,
    TooLong,
    Closed,
}

/// <summary>Parses one line, its line end removed, while its bytes are still in the pipe.</summary>
internal delegate T LineParser<out T>(in ReadOnlySequence<byte> line);

/// <summary>
/// Reads one CRLF- (or bare LF-) terminated line from a pipe, never buffering more than a limit: POP3 and SMTP
/// commands (parsed in place by a <see cref="LineParser{T}"/>), SASL responses from the client and the upstream's
/// replies during login. As Kestrel's HttpParser does, a read that finds no line end leaves the bytes in the pipe
/// marked examined, and the next read looks for the line end only in what arrived since.
/// </summary>
internal static class LineReader
{
    /// <summary>Reads one line and hands its bytes to <paramref name="parse"/>; the value is default unless the status is Line.</summary>
    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(LineStatus Status, T? Value)> ReadLineAsync<T>(
        PipeReader reader, LineLimit limit, Func<ValueTask<ReadResult>> read, LineParser<T> parse)
    {
        long examined = 0;
        while (true)
        {
            if (TryTake(reader, await read(), limit, parse, default(T)!, ref examined, out var taken)) return taken;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(LineStatus Status, string Line)> ReadLineAsync(
        PipeReader reader, LineLimit limit, Func<ValueTask<ReadResult>> read)
    {
        long examined = 0;
        while (true)
        {
            if (TryTake(reader, await read(), limit, Decode, "", ref examined, out var taken)) return taken;
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
        long examined = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (TryTake(reader, result, maxLength, withLineEnd ? DecodeWithLineEnd : Decode, "", ref examined, out var taken)) return taken;
        }
    }

    /// <summary>
    /// Takes one line from what was read; false when more must be read first (the data stays in the pipe, and
    /// <paramref name="examined"/> says how much of it holds no line end).
    /// </summary>
    private static bool TryTake<T>(PipeReader reader, ReadResult result, LineLimit limit, LineParser<T> parse, T noLine,
        ref long examined, out (LineStatus, T) taken)
    {
        var buffer = result.Buffer;
        var lines = new SequenceReader<byte>(buffer);
        lines.Advance(Math.Min(examined, buffer.Length));
        if (lines.TryAdvanceTo((byte)'\n', advancePastDelimiter: false))
        {
            var line = buffer.Slice(0, lines.Position);
            if (line.Length > limit.Length && !limit.AllowsLonger(line, complete: true))
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                taken = (LineStatus.TooLong, noLine);
                return true;
            }
            if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);
            var value = parse(line);
            reader.AdvanceTo(buffer.GetPosition(1, lines.Position));
            taken = (LineStatus.Line, value);
            return true;
        }
        examined = buffer.Length;
        reader.AdvanceTo(buffer.Start, buffer.End);
        var status = buffer.Length > limit.Length && !limit.AllowsLonger(buffer, complete: false) ? LineStatus.TooLong
            : result.IsCompleted || result.IsCanceled ? LineStatus.Closed
            : (LineStatus?)null;
        taken = (status ?? default, noLine);
        return status is not null;
    }

    private static string Decode(in ReadOnlySequence<byte> line) => SequenceText.Utf8(line);

    private static string DecodeWithLineEnd(in ReadOnlySequence<byte> line) => SequenceText.Utf8WithLineEnd(line);
}
