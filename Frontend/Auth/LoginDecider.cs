using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Auth;

/// <summary>
/// The front end's side of a login decision: one call to the login's grain, waiting out
/// <see cref="LoginOutcome.RetryLater"/> answers (a cluster-wide Auth-Wait or <c>Auth-Status: WAIT</c>) here, in
/// the front end, so no grain is ever held by a sleeping client.
/// </summary>
internal sealed partial class LoginDecider(IGrainFactory grains, TimeProvider time, ILogger<LoginDecider> logger)
{
    /// <param name="attempt">The attempt.</param>
    /// <param name="maxWaiting">How long to keep waiting for RetryLater answers before giving up with a temporary failure.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public async Task<LoginDecision> DecideAsync(LoginAttempt attempt, TimeSpan maxWaiting, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IUserLoginGrain>(LoginGrainKey.For(attempt));
        var giveUpAt = time.GetUtcNow() + maxWaiting;
        var retried = false;
        while (true)
        {
            LoginDecision decision;
            try
            {
                decision = await grain.DecideLogin(attempt, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A silo that just died makes calls fail until membership notices (orleans.md §1.6): retry once, then give up.
                if (!retried)
                {
                    retried = true;
                    LogGrainCallRetried(attempt.Login, e.GetType().Name);
                    continue;
                }
                LogGrainCallFailed(e, attempt.Login);
                return LoginDecision.Unavailable("login grain unavailable");
            }

            if (decision.Outcome != LoginOutcome.RetryLater) return decision;
            var wait = decision.Wait is { } w && w > TimeSpan.Zero ? w : TimeSpan.FromSeconds(1);
            if (time.GetUtcNow() + wait > giveUpAt) return LoginDecision.Unavailable("gave up waiting for the auth server");
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "login grain call for {Login} failed ({Error}); retrying once")]
    private partial void LogGrainCallRetried(string login, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "login grain call for {Login} failed")]
    private partial void LogGrainCallFailed(Exception exception, string login);
}
