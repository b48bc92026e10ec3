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

    /// <summary>Frees a session's slot (the session ended, however it ended).</summary>
    [Alias("ReleaseSession"), AlwaysInterleave]
    Task ReleaseSession(string leaseId);
}
