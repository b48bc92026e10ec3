using System.Collections.Concurrent;

namespace OrleansMail.Frontend.Relay;

/// <summary>
/// Enforces <c>proxy_timeout</c> for every relay with one shared one-second heartbeat, the way Kestrel checks its
/// own timeouts: a relay only stamps the time of its last transfer (a plain field write per read), and no
/// per-connection timer is armed, re-armed or allocated on the data path.
/// </summary>
internal sealed class RelayIdleMonitor : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<RelaySession, byte> _sessions = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public RelayIdleMonitor(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(_ => Check(), null, Interval, Interval);
    }

    /// <summary>Milliseconds on a monotonic clock, for <see cref="RelaySession"/>'s activity stamps.</summary>
    public long Now => _time.GetTimestamp() * 1000 / _time.TimestampFrequency;

    public void Register(RelaySession session) => _sessions.TryAdd(session, 0);

    public void Unregister(RelaySession session) => _sessions.TryRemove(session, out _);

    private void Check()
    {
        var now = Now;
        foreach (var session in _sessions.Keys)
        {
            if (session.IsIdleAt(now)) session.ExpireIdle();
        }
    }

    public void Dispose() => _timer.Dispose();
}
