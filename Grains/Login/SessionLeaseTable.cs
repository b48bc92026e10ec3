using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The live session leases a grain counts against a session limit, in memory only (a lease outlives no front end,
/// and a silo crash is repaired by the front ends' next renewals). Each lease belongs to a group (the login grain
/// groups by client address prefix, for the per-login-and-address limit). Expired leases are dropped whenever the
/// table is read. Released leases are remembered until they would have expired, so a renewal that was already on its
/// way when the session ended cannot bring the slot back. Every lease that enters or leaves the table moves
/// <c>orleansmail.session.leases</c> for <paramref name="scope"/>; the grain empties the table when it deactivates.
/// </summary>
internal sealed class SessionLeaseTable(GrainMetrics metrics, string scope)
{
    private readonly Dictionary<string, Entry> _leases = [];
    private readonly Dictionary<string, DateTimeOffset> _released = [];

    /// <summary>Live leases, after dropping the expired ones.</summary>
    public int Count(DateTimeOffset now)
    {
        Prune(now);
        return _leases.Count;
    }

    /// <summary>Live leases in <paramref name="group"/>, after dropping the expired ones.</summary>
    public int CountIn(string group, DateTimeOffset now)
    {
        Prune(now);
        var count = 0;
        foreach (var entry in _leases.Values)
            if (entry.Group == group) count++;
        return count;
    }

    /// <summary>Every live lease, oldest first.</summary>
    public IReadOnlyList<SessionLease> All(DateTimeOffset now)
    {
        Prune(now);
        return _leases.Values.Select(e => e.Lease).OrderBy(l => l.Started).ToList();
    }

    /// <summary>Adds a lease that was just granted.</summary>
    public void Add(SessionLease lease, string group, DateTimeOffset expiresAt) => Put(lease, group, expiresAt);

    /// <summary>
    /// Extends a lease, or registers it again when unknown (lost with a crashed silo); false for a lease released
    /// meanwhile, which stays released.
    /// </summary>
    public bool Renew(SessionLease lease, string group, DateTimeOffset expiresAt)
    {
        if (_released.ContainsKey(lease.LeaseId)) return false;
        Put(lease, group, expiresAt);
        return true;
    }

    /// <summary>Frees a lease's slot; returns the lease if it was live.</summary>
    public SessionLease? Release(string leaseId, DateTimeOffset rememberUntil)
    {
        _released[leaseId] = rememberUntil;
        if (!_leases.Remove(leaseId, out var entry)) return null;
        metrics.SessionLeasesChanged(scope, -1);
        return entry.Lease;
    }

    /// <summary>Forgets every lease (the grain deactivates; front ends register them again with their next renewal).</summary>
    public void Clear()
    {
        metrics.SessionLeasesChanged(scope, -_leases.Count);
        _leases.Clear();
        _released.Clear();
    }

    private void Put(SessionLease lease, string group, DateTimeOffset expiresAt)
    {
        var entry = new Entry(lease, group, expiresAt);
        if (_leases.TryAdd(lease.LeaseId, entry)) metrics.SessionLeasesChanged(scope, 1);
        else _leases[lease.LeaseId] = entry;
    }

    private void Prune(DateTimeOffset now)
    {
        var expired = 0;
        foreach (var (id, entry) in _leases)
            if (entry.ExpiresAt <= now && _leases.Remove(id)) expired++;
        metrics.SessionLeasesChanged(scope, -expired);
        foreach (var (id, until) in _released)
            if (until <= now) _released.Remove(id);
    }

    private readonly record struct Entry(SessionLease Lease, string Group, DateTimeOffset ExpiresAt);
}
