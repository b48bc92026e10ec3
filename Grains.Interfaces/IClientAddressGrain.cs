using Orleans.Concurrency;

namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// Brute-force throttling and the per-address session limit for one client address prefix (IPv4 /32 and IPv6 /64 by
/// default) across every login: keyed by the prefix in CIDR form, e.g. <c>192.0.2.44/32</c>. Only login grains call it.
/// </summary>
[Alias("mail.IClientAddressGrain")]
public interface IClientAddressGrain : IGrainWithStringKey
{
    /// <summary>
    /// Whether attempts from this prefix are refused locally right now; when they are not, a lease on that answer for
    /// <paramref name="holder"/>, which then needs no call per login until the lease ends or is revoked.
    /// </summary>
    [Alias("LeaseThrottleState")]
    Task<AddressThrottleLease> LeaseThrottleState(IUserLoginGrain holder);

    /// <summary>
    /// Counts one wrong (login, secret) pair, given as a keyed hash; returns whether the prefix is now throttled. When
    /// this failure takes the prefix past the threshold, every outstanding lease is revoked before it returns.
    /// </summary>
    [Alias("RecordFailure")]
    Task<bool> RecordFailure(byte[] loginSecretHash);

    /// <summary>Forgets every failure counted for this prefix (admin).</summary>
    [Alias("Unblock")]
    Task Unblock();

    /// <summary>Distinct failures in the window (admin API).</summary>
    [Alias("DistinctFailures")]
    Task<int> DistinctFailures();

    /// <summary>Takes a slot under the per-address session limit for <paramref name="lease"/>; false when none is left.</summary>
    [Alias("TryOpenSession")]
    Task<bool> TryOpenSession(SessionLease lease);

    /// <summary>Renews these leases' slots, registering unknown ones again (see <see cref="IUserLoginGrain.RenewSessions"/>).</summary>
    [Alias("RenewSessions"), AlwaysInterleave]
    Task RenewSessions(IReadOnlyList<SessionLease> leases);

    /// <summary>Frees a session's slot; one-way (see <see cref="IUserLoginGrain.ReleaseSession"/>).</summary>
    [Alias("ReleaseSession"), AlwaysInterleave, OneWay]
    Task ReleaseSession(string leaseId);
}
