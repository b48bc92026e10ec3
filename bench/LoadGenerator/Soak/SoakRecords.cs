using System.Collections.Concurrent;

namespace OrleansMail.Bench.Soak;

/// <summary>One login attempt as its client saw it (times in Unix milliseconds, the clock the auth log and the fault log use).</summary>
/// <param name="StartMs">When the client connected.</param>
/// <param name="EndMs">When it had its answer.</param>
/// <param name="Kind">load, probe, stuffing, guessing, idle, final.</param>
/// <param name="Frontend">The index of the Frontend it went to.</param>
/// <param name="Protocol">IMAP, POP3 or SMTP.</param>
/// <param name="User">The login.</param>
/// <param name="SecretHash">A hash of the login and password (the auth log's form), never the password.</param>
/// <param name="RightPassword">Whether the password was the user's.</param>
/// <param name="Outcome">What the client saw.</param>
/// <param name="Detail">The reply that decided the outcome, if any.</param>
/// <param name="From">The client address it connected from.</param>
internal sealed record LoginRecord(long StartMs, long EndMs, string Kind, int Frontend, SoakProtocol Protocol, string User, string SecretHash,
    bool RightPassword, LoginOutcome Outcome, string? Detail, string From);

/// <summary>An established IDLE session that ended without the soak asking it to.</summary>
internal sealed record IdleLoss(long AtMs, long EstablishedMs, int Frontend, string User, string? Backend, string Detail);

/// <summary>One RSS sample of a process (and its children) under its role name.</summary>
internal sealed record RssSample(long Ms, string Role, int Pid, long RssBytes);

/// <summary>Everything the soak's clients observed, appended concurrently while it runs, read once at the end.</summary>
internal sealed class SoakRecords
{
    public ConcurrentQueue<LoginRecord> Logins { get; } = new();
    public ConcurrentQueue<IdleLoss> IdleLosses { get; } = new();
    public ConcurrentQueue<RssSample> Rss { get; } = new();
    public ConcurrentQueue<long> Relays { get; } = new();
    public long IdleEstablished;
    public long IdleCheckedAlive;
    public long IdleClosedAtEnd;

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
