using System.Buffers;
using System.IO.Pipelines;
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
    public static async ValueTask<(LineStatus Status, string Line)> ReadLineAsync(
        PipeReader reader, int maxLength, Func<ValueTask<ReadResult>> read)
    {
        while (true)
        {
            var result = await read();
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var line = buffer.Slice(0, end);
                if (line.Length > maxLength)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    return (LineStatus.TooLong, "");
                }
                // Drop the CR before decoding rather than after, which would make a second string.
                if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);
                var text = Encoding.UTF8.GetString(line);
                reader.AdvanceTo(buffer.GetPosition(1, end));
                return (LineStatus.Line, text);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (buffer.Length > maxLength) return (LineStatus.TooLong, "");
            if (result.IsCompleted || result.IsCanceled) return (LineStatus.Closed, "");
        }
    }
}
