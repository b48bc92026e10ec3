using Orleans.Concurrency;

namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// The cluster-wide owner of one login's authentication: keyed by the login exactly as the client sent it
/// (see <see cref="LoginGrainKey"/>). It asks the auth server, and holds what must be shared by every front end,
/// such as an Auth-Wait that is still running.
/// </summary>
[Alias("mail.IUserLoginGrain")]
public interface IUserLoginGrain : IGrainWithStringKey
{
    /// <summary>Decides one login attempt: one coarse call per attempt.</summary>
    [Alias("DecideLogin")]
    Task<LoginDecision> DecideLogin(LoginAttempt attempt, CancellationToken cancellationToken = default);

    /// <summary>Forgets every cached decision for this login (admin: after a password change or a wrong decision).</summary>
    [Alias("FlushCache")]
    Task FlushCache();

    /// <summary>Forgets the wrong secrets counted for this login from <paramref name="address"/>'s prefix, or from every address when null.</summary>
    [Alias("Unblock")]
    Task Unblock(string? address);

    /// <summary>What this grain holds, without any secret (admin API).</summary>
    [Alias("Report")]
    Task<UserLoginReport> Report();

    /// <summary>
    /// Keeps the given sessions' slots for another lease TTL; one call per login per renewal round of a front end. A
    /// lease the grain does not know (the grain was reactivated after a silo crash) is registered again, so the count
    /// recovers within one round; one released meanwhile stays released. Interleaves with a decision waiting for the
    /// auth server, so a slow auth server cannot make leases expire.
    /// </summary>
    [Alias("RenewSessions"), AlwaysInterleave]
    Task RenewSessions(IReadOnlyList<SessionLease> leases);

    /// <summary>
    /// Frees a session's slot (the session ended, however it ended). One-way: the front end does not wait for it, and a
    /// release that is lost (a silo died) leaves the slot to expire after its TTL. Since one-way calls are not ordered
    /// with later calls, a renewal that overtakes it is harmless: the lease is already gone, or stays released.
    /// </summary>
    [Alias("ReleaseSession"), AlwaysInterleave, OneWay]
    Task ReleaseSession(string leaseId);

    /// <summary>
    /// The address grain of <paramref name="addressPrefix"/> takes back its "not throttled" lease
    /// (<see cref="IClientAddressGrain.LeaseThrottleState"/>): the prefix just crossed the address threshold, or the
    /// address grain is going away. Interleaves with anything, since the caller awaits it while this grain may itself be
    /// awaiting the address grain (its own failure that crossed the threshold) or the auth server; the short timeout
    /// bounds how long an unreachable holder delays that refusal (its lease then ends by its TTL).
    /// </summary>
    [Alias("RevokeAddressLease"), AlwaysInterleave, ResponseTimeout("00:00:05")]
    Task RevokeAddressLease(string addressPrefix);
}
