namespace OrleansMail.Fuzz.Harness;

/// <summary>
/// One parser under the fuzzer. <see cref="Run"/> feeds it one input and checks its invariants: it returns when the
/// parser behaved, and throws <see cref="InvariantViolationException"/> (or lets an unexpected exception escape) when
/// it did not, which AFL records as a crash. A parser's documented refusal (an invalid result, or the exception type
/// its callers catch) is behaviour, not a crash.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name fuzz.sh and the corpus folder use (Tests/Fuzz/corpus/NAME).</summary>
    string Name { get; }

    void Run(ReadOnlyMemory<byte> input);
}
