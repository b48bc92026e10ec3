using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// Reads POP3/SMTP command lines the way MailSession.ReadLineAsync does (<see cref="LineReader"/> over the client's
/// pipe, the protocol's client buffer, a longer limit for a bearer-token AUTH) and hands each to a parser. Three ways
/// of delivering the same bytes must give the same transcript: one segment, several segments, and the pieces
/// arriving one read at a time (so a line is looked at while still incomplete and must be left in the pipe).
/// </summary>
internal static class LineSession
{
    /// <summary>smtp_client_buffer's default on 64-bit nginx is 4k; a small limit lets the fuzzer reach TooLong.</summary>
    private const int ClientBuffer = 1024;

    /// <summary>sasl_oauth_buffer for the bearer-token AUTH line.</summary>
    private const int BearerBuffer = 4096;

    private static readonly LineLimit Limit = new(ClientBuffer, BearerBuffer, SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer);

    /// <param name="input">The fuzzer's bytes, read as a client's stream.</param>
    /// <param name="parse">The product's parser on one line; allocation is measured around it and the line's read.</param>
    /// <param name="describe">Checks a parse result's invariants and describes it for the transcript.</param>
    /// <param name="perByte">Bytes a parse may allocate per input byte (<see cref="Invariant.AllocationBounded"/>).</param>
    /// <param name="parser">The parser's name in failure messages.</param>
    public static void Check<T>(ReadOnlyMemory<byte> input, LineParser<T> parse, Func<T, string> describe, long perByte, string parser)
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>(input));
        var whole = Transcript(reader, () => reader.ReadAsync(), true, parse, describe, perByte, parser);
        var segmented = PipeReader.Create(Segments.Split(input));
        var split = Transcript(segmented, () => segmented.ReadAsync(), true, parse, describe, perByte, parser);
        Invariant.Equal(whole, split, $"a split of the input changed the {parser} lines");

        // The pieces arrive one read at a time: a read that finds no whole line must leave it in the pipe.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        var cuts = Segments.Cuts(input.Span, 7);
        var next = 0;
        var previous = 0;
        ValueTask<ReadResult> Arrive()
        {
            if (next <= cuts.Length)
            {
                var end = next < cuts.Length ? cuts[next] : input.Length;
                pipe.Writer.Write(input.Span[previous..end]);
                previous = end;
                next++;
                if (next > cuts.Length) pipe.Writer.Complete();
                else _ = pipe.Writer.FlushAsync();
            }
            return pipe.Reader.ReadAsync();
        }
        var arriving = Transcript(pipe.Reader, Arrive, false, parse, describe, perByte, parser);
        Invariant.Equal(whole, arriving, $"input arriving in pieces changed the {parser} lines");
    }

    private static string Transcript<T>(PipeReader reader, Func<ValueTask<ReadResult>> read, bool checkAllocation,
        LineParser<T> parse, Func<T, string> describe, long perByte, string parser)
    {
        var transcript = new StringBuilder();
        long lineLength = 0;
        LineParser<T> measured = (in ReadOnlySequence<byte> line) =>
        {
            lineLength = line.Length;
            return parse(line);
        };
        while (true)
        {
            lineLength = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var reading = LineReader.ReadLineAsync(reader, Limit, read, measured);
            // Everything is already in the pipe, or the pipe is complete: a read never has to wait.
            Invariant.That(reading.IsCompletedSuccessfully, "LineReader waited with the whole input in the pipe");
            var (status, parsed) = reading.Result;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var described = status == LineStatus.Line ? describe(parsed!) : "";
            // The parser's strings, parsed in place: measured worst 1 KB + 39 bytes a byte, for invalid UTF-8 (.NET's
            // replacement fallback allocates per bad sequence). Not while pieces arrive: that writing is the harness's.
            if (checkAllocation) Invariant.AllocationBounded(allocated, lineLength + 2, 1024, perByte, $"LineReader and {parser}");
            transcript.Append(status).Append(' ').Append(described).Append('\n');
            if (status != LineStatus.Line) break;
        }
        return transcript.ToString();
    }
}
