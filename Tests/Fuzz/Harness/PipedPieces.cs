using System.Buffers;
using System.IO.Pipelines;

namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// Input arriving through a <see cref="Pipe"/> a few bytes per read, the way a client's packets reach a session: each
/// <see cref="TryRead"/> writes the next piece and returns everything unconsumed. The reader then says what it consumed
/// and examined, as the session does with <see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>.
/// </summary>
internal sealed class PipedPieces(ReadOnlyMemory<byte> input, int piece)
{
    // No back-pressure: the writer never waits, so everything runs synchronously on the caller's thread.
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private int _written;

    /// <summary>True once the last piece has been written.</summary>
    public bool AllWritten => _written == input.Length;

    /// <summary>Writes the next piece, if any is left, and reads; false when nothing is left unconsumed.</summary>
    public bool TryRead(out ReadOnlySequence<byte> buffer)
    {
        if (!AllWritten)
        {
            var length = Math.Min(piece, input.Length - _written);
            _pipe.Writer.Write(input.Span.Slice(_written, length));
            _written += length;
            _ = _pipe.Writer.FlushAsync().GetAwaiter().GetResult();
        }
        var read = _pipe.Reader.TryRead(out var result);
        buffer = read ? result.Buffer : default;
        return read;
    }

    /// <summary>Nothing consumed, everything examined: the next read brings more.</summary>
    public void ExaminedAll(in ReadOnlySequence<byte> buffer) => _pipe.Reader.AdvanceTo(buffer.Start, buffer.End);

    public void Consumed(in ReadOnlySequence<byte> buffer, long bytes) => _pipe.Reader.AdvanceTo(buffer.GetPosition(bytes));
}
