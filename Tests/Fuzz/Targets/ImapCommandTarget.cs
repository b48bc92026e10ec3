using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Imap;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Fuzz.Targets;

/// <summary>
/// <see cref="ImapCommandParser"/> as ImapSession.ReadCommandAsync drives it: commands one after another, a literal's
/// <c>+ OK</c> counted before parsing again, until the input runs out. Checks that nothing is consumed unless a whole
/// command (or a whole bad line) is there, that one byte less of a command is still incomplete, that any split of the
/// input into segments gives the same transcript, that one parser fed the input a few bytes at a time through a pipe
/// (resuming where each read stopped, as the session does) gives the same transcript, and that a parse allocates in
/// proportion to its input.
/// </summary>
internal sealed class ImapCommandTarget : IFuzzTarget
{
    /// <summary>imap_client_buffer's default (nginx: 4k).</summary>
    private const int MaxLength = 4096;

    public string Name => "imap";

    public void Run(ReadOnlyMemory<byte> input)
    {
        var whole = Transcript(new ReadOnlySequence<byte>(input), checkPrefixes: true);
        Invariant.Equal(whole, Transcript(Segments.Split(input), checkPrefixes: false), "a split of the input changed the IMAP parse");
        if (input.Length <= 512)
            Invariant.Equal(whole, Transcript(Segments.Bytewise(input), checkPrefixes: false), "one byte per segment changed the IMAP parse");
        var piece = 1 + Segments.Cuts(input.Span, 1).FirstOrDefault() % 7;
        // A continuation is asked for when a literal's header has come and its bytes have not: when depends on the pieces.
        var decided = string.Concat(whole.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith(nameof(ImapParseStatus.NeedsContinuation), StringComparison.Ordinal)).Select(line => line + "\n"));
        Invariant.Equal(decided, Incremental(input, piece), $"reading {piece} bytes at a time changed the IMAP parse");
    }

    /// <summary>
    /// The transcript of one parser reading the input <paramref name="piece"/> bytes at a time from a pipe, as
    /// ImapSession.ReadCommandAsync does, less the continuations asked for on the way.
    /// </summary>
    private static string Incremental(ReadOnlyMemory<byte> input, int piece)
    {
        var transcript = new StringBuilder();
        var pieces = new PipedPieces(input, piece);
        var parser = new ImapCommandParser();
        var acknowledgedLiterals = 0;
        while (true)
        {
            if (!pieces.TryRead(out var buffer))
            {
                // Everything was consumed: what the one-shot parse of no input says.
                transcript.Append(Describe(ImapParseResult.Incomplete)).Append('\n');
                return transcript.ToString();
            }
            var parsed = parser.Parse(buffer, acknowledgedLiterals, MaxLength);
            switch (parsed.Status)
            {
                case ImapParseStatus.Incomplete:
                    pieces.ExaminedAll(buffer);
                    if (!pieces.AllWritten) continue;
                    transcript.Append(Describe(parsed)).Append('\n');
                    return transcript.ToString();
                case ImapParseStatus.TooLong:
                    transcript.Append(Describe(parsed)).Append('\n');
                    return transcript.ToString();
                case ImapParseStatus.NeedsContinuation:
                    pieces.ExaminedAll(buffer);
                    acknowledgedLiterals++;
                    continue;
                default:
                    transcript.Append(Describe(parsed)).Append('\n');
                    pieces.Consumed(buffer, parsed.Consumed);
                    acknowledgedLiterals = 0;
                    continue;
            }
        }
    }

    private static string Transcript(ReadOnlySequence<byte> input, bool checkPrefixes)
    {
        var transcript = new StringBuilder();
        var acknowledgedLiterals = 0;
        while (true)
        {
            var parsed = Parse(input, acknowledgedLiterals);
            transcript.Append(Describe(parsed)).Append('\n');
            switch (parsed.Status)
            {
                case ImapParseStatus.Incomplete or ImapParseStatus.TooLong:
                    Invariant.Equal(0, parsed.Consumed, $"{parsed.Status} consumed input");
                    return transcript.ToString();
                case ImapParseStatus.NeedsContinuation:
                    Invariant.Equal(0, parsed.Consumed, "NeedsContinuation consumed input");
                    // Each + OK lets one more literal through, so this ends: there are fewer literals than bytes.
                    Invariant.That(acknowledgedLiterals <= input.Length, "more continuations than bytes");
                    acknowledgedLiterals++;
                    continue;
                default:
                    Invariant.That(parsed.Consumed > 0 && parsed.Consumed <= Math.Min(input.Length, MaxLength),
                        $"{parsed.Status} consumed {parsed.Consumed} of {input.Length} bytes");
                    if (checkPrefixes)
                    {
                        // One byte short of the command (or bad line) is not yet anything: the parser must wait.
                        var shorter = Parse(input.Slice(0, parsed.Consumed - 1), acknowledgedLiterals).Status;
                        Invariant.That(shorter is ImapParseStatus.Incomplete or ImapParseStatus.NeedsContinuation,
                            $"the {parsed.Status} command less its last byte parsed as {shorter}");
                    }
                    input = input.Slice(parsed.Consumed);
                    acknowledgedLiterals = 0;
                    continue;
            }
        }
    }

    private static ImapParseResult Parse(ReadOnlySequence<byte> input, int acknowledgedLiterals)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var parsed = new ImapCommandParser().Parse(input, acknowledgedLiterals, MaxLength);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The tag, each argument's bytes and its object, the command. One-letter arguments cost most: an ImapArgument
        // and a byte array for every two input bytes (measured worst: 1 KB + 39.5 bytes a byte, found by AFL).
        Invariant.AllocationBounded(allocated, Math.Min(input.Length, MaxLength), 1024, 48, "ImapCommandParser.Parse");
        return parsed;
    }

    private static string Describe(ImapParseResult parsed)
    {
        var text = new StringBuilder($"{parsed.Status} {parsed.Consumed} {parsed.ReplyTag} {parsed.CloseAfterReply}");
        if (parsed.Command is { } command)
        {
            text.Append(' ').Append(command.Tag).Append(' ').Append(command.Name);
            foreach (var argument in command.Arguments) Describe(text, argument);
        }
        return text.ToString();
    }

    private static void Describe(StringBuilder text, ImapArgument argument)
    {
        text.Append(' ').Append(argument.Kind).Append(':').Append(Convert.ToHexString(argument.Value));
        if (argument.Items.Count == 0) return;
        text.Append(" (");
        foreach (var item in argument.Items) Describe(text, item);
        text.Append(" )");
    }
}
