using System.Buffers;

namespace OrleansMail.Tests.Support;

/// <summary>Bytes as a two-segment sequence, as a pipe hands over input that arrived in two reads.</summary>
internal static class TwoSegments
{
    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var start = new Segment(first, 0);
        var end = new Segment(second, first.Length);
        start.SetNext(end);
        return new ReadOnlySequence<byte>(start, 0, end, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
