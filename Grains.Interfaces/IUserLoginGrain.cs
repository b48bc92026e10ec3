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
}
