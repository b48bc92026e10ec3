using Microsoft.Extensions.Logging;
using Orleans.Runtime.Messaging;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Auth;

/// <summary>
/// The front end's side of a login decision: one call to the login's grain, waiting out
/// <see cref="LoginOutcome.RetryLater"/> answers (a cluster-wide Auth-Wait or <c>Auth-Status: WAIT</c>) here, in
/// the front end, so no grain is ever held by a sleeping client.
/// </summary>
/// <param name="grains">References to the login grains.</param>
/// <param name="cluster">The grain-call retry budget.</param>
/// <param name="policy">The login policy: how a login is cased into its grain key.</param>
/// <param name="time">The clock of every deadline, pause and wait.</param>
/// <param name="logger">Where retries and failures are logged.</param>
/// <param name="random">The retry pauses' jitter; <see cref="Random.Shared"/> unless a test seeds one.</param>
internal sealed partial class LoginGrainClient(LoginGrains grains, ClusterSettings cluster, LoginPolicySettings policy, TimeProvider time, ILogger<LoginGrainClient> logger,
    Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The shortest pause before retrying a failed grain call; each pause is drawn from above it (jitter) up to <see cref="MaxBackoff"/>.</summary>
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <param name="attempt">The attempt.</param>
    /// <param name="maxWaiting">How long to keep waiting for RetryLater answers before giving up with a temporary failure.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    public async Task<LoginDecision> DecideAsync(LoginAttempt attempt, TimeSpan maxWaiting, CancellationToken cancellationToken)
    {
        var grain = grains.For(LoginGrainKey.For(attempt, policy.LoginCase));
        var giveUpAt = time.GetUtcNow() + maxWaiting;
        DateTimeOffset? retryUntil = null;
        var backoff = FirstBackoff;
        var retries = 0;
        while (true)
        {
            LoginDecision decision;
            using var deadline = new CancellationTokenSource(AttemptDeadline(attempt), time);
            using var callCancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                decision = await grain.DecideLogin(attempt, callCancelled.Token);
                grains.Succeeded(grain);
            }
            catch (Exception e) when ((IsSiloFailure(e) || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                // A silo that just died makes calls to its grains fail until membership declares it dead and the
                // grain is activated elsewhere (Orleans' cluster membership; a few seconds with the tuned probes, README
                // "Failover"). Retry with backoff within the budget, so a crash delays these logins instead of failing them.
                // The budget runs from the first failure: a call that was in flight to the silo as it died has already
                // spent its own deadline (auth_http_timeout + 2 s) before failing, and counted from the start that
                // left too little of the budget for membership to declare the silo dead (README "Chaos soak").
                retryUntil ??= time.GetUtcNow() + cluster.LoginRetryBudget;
                backoff = NextBackoff(backoff);
                // A drawn pause longer than what is left of the budget is cut to it, so the last retry falls at the
                // budget's end whatever the draw; under the shortest pause left, the budget is spent.
                var left = retryUntil.Value - time.GetUtcNow();
                if (left >= FirstBackoff)
                {
                    retries++;
                    LogGrainCallRetried(attempt.Login, e.GetType().Name, retries);
                    await Task.Delay(backoff < left ? backoff : left, time, cancellationToken);
                    continue;
                }
                LogGrainCallFailed(e, attempt.Login);
                return LoginDecision.TemporaryFailure("login grain unavailable");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Anything else (storage down, a bug) is not cured by waiting: the temporary failure at once.
                LogGrainCallFailed(e, attempt.Login);
                return LoginDecision.TemporaryFailure("login grain failed");
            }

            if (decision.Outcome != LoginOutcome.RetryLater) return decision;
            var wait = decision.Wait is { } w && w > TimeSpan.Zero ? w : TimeSpan.FromSeconds(1);
            if (time.GetUtcNow() + wait > giveUpAt) return LoginDecision.TemporaryFailure("gave up waiting for the auth server");
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>
    /// Decorrelated jitter (the "decorrelated jitter" backoff of Polly's and Microsoft.Extensions.Resilience's retry
    /// strategy): each pause is drawn between <see cref="FirstBackoff"/> and three times the last one (the first from
    /// <see cref="FirstBackoff"/> to three times it), capped at
    /// <see cref="MaxBackoff"/>. Every front end sees a silo die at the same moment; with fixed doubling they all
    /// retried the reactivating grain in lock-step, with jitter their calls spread over the interval.
    /// Polly's strategy is not used because its randomness cannot be seeded and its attempts do not fit the budget
    /// counted from the first failure and the RetryLater waits of the same loop.
    /// </summary>
    private TimeSpan NextBackoff(TimeSpan last)
    {
        var upper = Math.Min(last.Ticks * 3, MaxBackoff.Ticks);
        return TimeSpan.FromTicks(upper <= FirstBackoff.Ticks ? FirstBackoff.Ticks : _random.NextInt64(FirstBackoff.Ticks, upper + 1));
    }

    /// <summary>
    /// How long one grain call may take: the auth server's own deadline plus slack for the grain's queue and the
    /// messaging. A call that was in flight to a silo at the moment it died gets no answer at all (Orleans only ends it
    /// at the response timeout), so past this deadline it is cancelled and retried like any other silo failure.
    /// </summary>
    private static TimeSpan AttemptDeadline(LoginAttempt attempt) => attempt.AuthServer.Timeout + AttemptSlack;

    private static readonly TimeSpan AttemptSlack = TimeSpan.FromSeconds(2);

    /// <summary>Failures of the cluster's messaging (a silo or gateway gone, not yet declared dead), cured by waiting.</summary>
    private static bool IsSiloFailure(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or TimeoutException;

    [LoggerMessage(EventId = 2070, Level = LogLevel.Warning, Message = "login grain call for {Login} failed ({Error}); retry {Retry}")]
    private partial void LogGrainCallRetried(string login, string error, int retry);

    [LoggerMessage(EventId = 2071, Level = LogLevel.Error, Message = "login grain call for {Login} failed")]
    private partial void LogGrainCallFailed(Exception exception, string login);
}
