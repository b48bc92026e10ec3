namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// The health verdict of one upstream from its checks, with hysteresis: <c>fails</c> consecutive failures (probes
/// or connect failures reported by front ends) mark it down, <c>passes</c> consecutive successful probes mark it up
/// again. A single lost probe does not move its users; a backend that is flapping stays down until it is steady.
/// A new verdict starts up: a pool must work from the first login, and a wrong guess costs one fallback.
/// </summary>
public sealed class UpstreamHealth(int fails, int passes, DateTimeOffset now)
{
    public bool Healthy { get; private set; } = true;

    public int ConsecutiveFailures { get; private set; }

    public int ConsecutiveSuccesses { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>When <see cref="Healthy"/> last changed (or the verdict started).</summary>
    public DateTimeOffset Since { get; private set; } = now;

    /// <summary>A probe read the protocol's greeting. Returns whether the verdict changed.</summary>
    public bool Succeeded(DateTimeOffset now)
    {
        ConsecutiveFailures = 0;
        ConsecutiveSuccesses++;
        LastError = null;
        return !Healthy && ConsecutiveSuccesses >= passes && Change(true, now);
    }

    /// <summary>A probe failed, or a front end could not connect. Returns whether the verdict changed.</summary>
    public bool Failed(string reason, DateTimeOffset now)
    {
        ConsecutiveSuccesses = 0;
        ConsecutiveFailures++;
        LastError = reason;
        return Healthy && ConsecutiveFailures >= fails && Change(false, now);
    }

    private bool Change(bool healthy, DateTimeOffset now)
    {
        Healthy = healthy;
        Since = now;
        return true;
    }
}
