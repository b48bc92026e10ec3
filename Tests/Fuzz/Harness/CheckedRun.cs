namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// Runs a target on one input, as AFL, the replay command and the corpus tests do. A parse over its allocation bound
/// is run again once before it counts: a garbage collection during the measured parse can disturb the thread's
/// allocation counter (dotnet/coreclr#10207, GetAllocatedBytesForCurrentThread), while an excess the parser really
/// causes repeats on the same input.
/// </summary>
internal static class CheckedRun
{
    public static void Run(IFuzzTarget target, ReadOnlyMemory<byte> input)
    {
        try
        {
            target.Run(input);
        }
        catch (AllocationBoundExceededException)
        {
            target.Run(input);
        }
    }
}
