using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Decides the attempts for one login, one at a time (non-reentrant), and makes nginx's per-connection
/// Auth-Wait cluster-wide: while a refusal's Auth-Wait runs, every attempt for this login from any connection
/// or front end is told to come back later, and the auth server is not asked (nginx-mail.md §2.4 step 1).
/// State is in memory: a silo crash forgets a running Auth-Wait, which is no worse than nginx.
/// </summary>
internal sealed class UserLoginGrain(AuthHttpClient authHttp, TimeProvider timeProvider) : Grain, IUserLoginGrain
{
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public async Task<LoginDecision> DecideLogin(LoginAttempt attempt, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        if (now < _notBefore)
        {
            return LoginDecision.RetryAfter(_notBefore - now);
        }

        var decision = await authHttp.DecideAsync(attempt, cancellationToken);
        if (decision is { Outcome: LoginOutcome.Refused, Wait: { } wait } && wait > TimeSpan.Zero)
        {
            var until = timeProvider.GetUtcNow() + wait;
            if (until > _notBefore)
            {
                _notBefore = until;
            }
        }

        return decision;
    }
}
