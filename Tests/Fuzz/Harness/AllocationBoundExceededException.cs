namespace OrleansMail.Fuzz.Harness;

/// <summary>A parse allocated more than its bound (<see cref="Invariant.AllocationBounded"/>).</summary>
internal sealed class AllocationBoundExceededException(string message) : InvariantViolationException(message);
