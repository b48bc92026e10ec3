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
}
