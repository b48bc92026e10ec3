using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The per-address session limit (<see cref="Hosting.LoginPolicySettings.SessionLimitPerAddress"/>): sessions of every
/// login from this address prefix, in memory, kept by the login grains that granted them (see UserLoginGrain.Sessions.cs).
/// </summary>
internal sealed partial class ClientAddressGrain
{
    private readonly SessionLeaseTable _sessions = new(metrics, Telemetry.TelemetryLabels.LeaseScope.Address);

    /// <inheritdoc />
    public Task<bool> TryOpenSession(SessionLease lease)
    {
        var now = time.GetUtcNow();
        if (_sessions.Count(now) >= settings.SessionLimitPerAddress) return Task.FromResult(false);
        _sessions.Add(lease, "", now + settings.SessionLeaseTtl);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task RenewSessions(IReadOnlyList<SessionLease> leases)
    {
        var expiresAt = time.GetUtcNow() + settings.SessionLeaseTtl;
        foreach (var lease in leases) _sessions.Renew(lease, "", expiresAt);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReleaseSession(string leaseId)
    {
        _sessions.Release(leaseId, time.GetUtcNow() + settings.SessionLeaseTtl);
        return Task.CompletedTask;
    }
}
