namespace OrleansMail.Fuzz.Harness;

/// <summary>The checks every target makes; each throws <see cref="InvariantViolationException"/> when it fails.</summary>
internal static class Invariant
{
    /// <summary>Set by <c>--measure</c>: allocations are recorded instead of checked.</summary>
    public static Dictionary<string, List<(long Allocated, long Length)>>? Measured { get; set; }

    public static void That(bool condition, string property)
    {
        if (!condition) throw new InvariantViolationException(property);
    }

    public static void Equal<T>(T expected, T actual, string property)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new InvariantViolationException($"{property}: expected {expected}, got {actual}");
    }

    /// <summary>
    /// Managed bytes allocated by one parse (<see cref="GC.GetAllocatedBytesForCurrentThread"/> before and after) are at
    /// most <paramref name="fixedBytes"/> + <paramref name="perByte"/> × <paramref name="length"/>: the work a hostile
    /// client can cause grows no faster than what it sends. Each target's bound comes from measuring its seed corpus
    /// (Tests/Fuzz/RESULTS.md).
    /// </summary>
    public static void AllocationBounded(long allocated, long length, long fixedBytes, long perByte, string parse)
    {
        if (Measured is { } measured)
        {
            // Measuring (Fuzz TARGET --measure PATH...): every parse's allocation and input length, for choosing bounds.
            if (!measured.TryGetValue(parse, out var samples)) measured[parse] = samples = [];
            samples.Add((allocated, length));
            return;
        }
        var bound = fixedBytes + perByte * length;
        if (allocated > bound)
            throw new AllocationBoundExceededException($"{parse} allocated {allocated} bytes for {length} input bytes (bound {bound})");
    }
}
