using System.Buffers;

namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// The same bytes as a <see cref="ReadOnlySequence{T}"/> of several segments, the way a pipe hands over data that
/// arrived in pieces. The cut points are derived from the input itself (a hash of it seeds them), so a run is
/// repeatable and AFL's mutations move the cuts too.
/// </summary>
internal static class Segments
{
    /// <summary>Cuts <paramref name="input"/> at up to <paramref name="maxCuts"/> points chosen from its hash.</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> input, int maxCuts = 7) => Build(input, Cuts(input.Span, maxCuts));

    /// <summary>Every byte its own segment: the worst split there is (also Tests/Imap's parser ladders).</summary>
    public static ReadOnlySequence<byte> Bytewise(ReadOnlyMemory<byte> input)
    {
        var cuts = new int[Math.Max(0, input.Length - 1)];
        for (var i = 0; i < cuts.Length; i++) cuts[i] = i + 1;
        return Build(input, cuts);
    }

    /// <summary>Sorted, distinct cut points strictly inside the input.</summary>
    public static int[] Cuts(ReadOnlySpan<byte> input, int maxCuts)
    {
        if (input.Length < 2) return [];
        // FNV-1a: cheap, and any change to the input moves the cuts.
        var hash = 2166136261u;
        foreach (var b in input) hash = (hash ^ b) * 16777619u;
        var random = new Random((int)hash);
        var count = 1 + random.Next(Math.Min(maxCuts, input.Length - 1));
        var cuts = new SortedSet<int>();
        for (var i = 0; i < count; i++) cuts.Add(1 + random.Next(input.Length - 1));
        return [.. cuts];
    }

    private static ReadOnlySequence<byte> Build(ReadOnlyMemory<byte> input, int[] cuts)
    {
        if (cuts.Length == 0) return new ReadOnlySequence<byte>(input);
        // Each segment gets its own array, as pipe segments do: a parser that reads past a segment's end fails loudly.
        var first = new Segment(input[..cuts[0]].ToArray(), 0);
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i + 1 < cuts.Length ? cuts[i + 1] : input.Length;
            last = last.Append(input[cuts[i]..end].ToArray());
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
