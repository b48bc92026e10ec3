namespace OrleansMail.Fuzz.Harness;

/// <summary>A parser broke one of the properties its harness checks: a bug, reported to AFL as a crash.</summary>
internal class InvariantViolationException(string message) : Exception(message);
