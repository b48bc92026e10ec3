namespace OrleansMail.Grains.Login;

/// <summary>
/// Turns to reach the auth server, one per interval, first come first served, for a login whose guessing budget is
/// spent (UserLoginGrain.Guessing.cs). An attempt that cannot go now gets a turn and is told how long to wait; when
/// it comes back (the front end waits, the grain is not held) it goes at its turn. Without turns, every waiter would
/// retry at the same instant and the real user would race a botnet's connections for each slot; with them, the real
/// user waits at most the queue ahead. A turn nobody comes back for lapses after one interval. In memory: a crash
/// forgets the queue, and waiters simply queue again.
/// </summary>
internal sealed class AdmissionQueue
{
    /// <summary>Turns handed out ahead at most; past it an attempt gets the temporary failure at once (the front end would give up anyway).</summary>
    public const int MaxWaiting = 60;

    private readonly Dictionary<string, DateTimeOffset> _turns = new(StringComparer.Ordinal);
    private DateTimeOffset _nextFree = DateTimeOffset.MinValue;

    /// <summary>
    /// Admits the attempt identified by <paramref name="key"/> now (null), or gives the wait until its turn;
    /// <see cref="TimeSpan.MaxValue"/> when the queue is full.
    /// </summary>
    public TimeSpan? Admit(string key, DateTimeOffset now, TimeSpan interval)
    {
        if (_turns.TryGetValue(key, out var turn))
        {
            if (turn > now) return turn - now;
            _turns.Remove(key);
            return null;
        }

        Lapse(now, interval);
        if (_nextFree <= now)
        {
            _nextFree = now + interval;
            return null;
        }
        if (_turns.Count >= MaxWaiting) return TimeSpan.MaxValue;
        _turns[key] = _nextFree;
        _nextFree += interval;
        return _turns[key] - now;
    }

    public void Clear()
    {
        _turns.Clear();
        _nextFree = DateTimeOffset.MinValue;
    }

    /// <summary>Drops the turns their attempts did not come back for.</summary>
    private void Lapse(DateTimeOffset now, TimeSpan interval)
    {
        if (_turns.Count == 0) return;
        foreach (var (key, turn) in _turns.ToList())
            if (turn + interval <= now) _turns.Remove(key);
    }
}
