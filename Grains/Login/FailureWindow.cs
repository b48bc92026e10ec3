namespace OrleansMail.Grains.Login;

/// <summary>
/// Distinct wrong secrets (as keyed hashes) seen in a sliding window, oldest first. A client retrying one stale
/// password adds one entry, however often it retries. Persisted with the Orleans binary serializer: only hashes and times.
/// </summary>
[GenerateSerializer, Alias("mail.FailureWindow")]
public sealed class FailureWindow
{
    /// <summary>More than any sane threshold: bounds the state of an address under a storm.</summary>
    private const int MaxEntries = 10_000;

    [Id(0)] public List<FailureEntry> Entries { get; set; } = [];

    /// <summary>Drops entries older than the window; true when something was dropped.</summary>
    public bool Prune(DateTimeOffset now, TimeSpan window) => Entries.RemoveAll(e => e.At + window <= now) > 0;

    /// <summary>Adds the hash if it is new; true when it was.</summary>
    public bool Add(byte[] hash, DateTimeOffset now)
    {
        if (Entries.Exists(e => e.Hash.AsSpan().SequenceEqual(hash))) return false;
        if (Entries.Count >= MaxEntries) Entries.RemoveAt(0);
        Entries.Add(new FailureEntry(hash, now));
        return true;
    }

    /// <summary>Throttled while at least <paramref name="threshold"/> distinct failures are in the window; 0 = never.</summary>
    public bool IsThrottled(int threshold) => threshold > 0 && Entries.Count >= threshold;

    /// <summary>When enough entries will have left the window to fall below the threshold.</summary>
    public DateTimeOffset? ThrottledUntil(int threshold, TimeSpan window) =>
        IsThrottled(threshold) ? Entries[Entries.Count - threshold].At + window : null;
}

/// <summary>One wrong secret: its keyed hash and when it was first seen in the window.</summary>
[GenerateSerializer, Immutable, Alias("mail.FailureEntry")]
public sealed record FailureEntry([property: Id(0)] byte[] Hash, [property: Id(1)] DateTimeOffset At);
