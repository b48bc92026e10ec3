using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using OrleansMail.Frontend.Auth;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Auth;

/// <summary>
/// The front end's retry of a login grain call whose silo died (README "Failover"), on virtual time: a call that was in
/// flight to the dead silo gets no answer until its own deadline (auth_http_timeout + 2 s), and only then do the retries
/// start. The retry budget (<c>cluster_login_retry_budget</c>) runs from that first failure, so the retries still have
/// the whole budget to outlast membership declaring the silo dead; the chaos soak saw logins fail when the budget ran
/// from the start and the in-flight call had spent 7 s of its 10.
/// </summary>
public sealed class LoginGrainClientRetryTests
{
    private static readonly TimeSpan AuthTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CallDeadline = AuthTimeout + TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private readonly PauseRecordingTime _time = new();

    [Fact]
    public async Task ACallInFlightToADeadSiloThenFailingCallsAreRetriedForTheWholeBudgetAfterTheFirstFailure()
    {
        var start = _time.GetUtcNow();
        // The silo is declared dead and the grain answers again 9 s after the in-flight call failed: past the budget
        // counted from the login's start (16 s > 10 s), within the budget counted from the first failure.
        var answersFrom = start + CallDeadline + TimeSpan.FromSeconds(9);
        var grain = new DyingSiloGrain(_time, answersFrom);

        var decision = await DecideWhileTimePassesAsync(grain);

        Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
        Assert.True(grain.Calls > 2, $"{grain.Calls} calls");
        Assert.InRange(_time.GetUtcNow() - start, answersFrom - start, answersFrom - start + TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task ASiloThatNeverComesBackGivesTheTemporaryFailureOnceTheBudgetAfterTheFirstFailureIsSpent()
    {
        var start = _time.GetUtcNow();
        var grain = new DyingSiloGrain(_time, DateTimeOffset.MaxValue);

        var decision = await DecideWhileTimePassesAsync(grain);

        Assert.Equal(LoginOutcome.TemporaryFailure, decision.Outcome);
        // In flight until its deadline, then retried for the budget: never longer than both (plus the last backoff).
        Assert.InRange(_time.GetUtcNow() - start, CallDeadline + Budget - TimeSpan.FromSeconds(2), CallDeadline + Budget + TimeSpan.FromSeconds(2.5));
    }

    /// <summary>
    /// Every front end sees a silo die at the same moment; the pauses before retrying are drawn (decorrelated jitter,
    /// between 200 ms and 2 s) so their retries spread instead of arriving at the reactivating grain in lock-step.
    /// Front ends with different random sources pause differently; one seed gives one schedule.
    /// </summary>
    [Fact]
    public async Task RetryPausesAreJitteredBetweenTheShortestAndTheLongestPause()
    {
        var schedules = new List<IReadOnlyList<TimeSpan>>();
        foreach (var seed in new[] { 1, 2, 1 })
        {
            var time = new PauseRecordingTime();
            var decision = await DecideWhileTimePassesAsync(new DyingSiloGrain(time, time.GetUtcNow() + CallDeadline + TimeSpan.FromSeconds(9)), time, new Random(seed));
            Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
            schedules.Add(time.Pauses);
        }

        Assert.All(schedules.SelectMany(s => s), p => Assert.InRange(p, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2)));
        Assert.True(schedules[0].Count > 3, $"{schedules[0].Count} pauses");
        Assert.NotEqual(schedules[0], schedules[1]);
        Assert.Equal(schedules[0], schedules[2]);
        // Not the fixed doubling (200, 400, 800 ms, …) every front end used to share.
        Assert.NotEqual([TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)], schedules[0].Take(3));
    }

    [Fact]
    public async Task TheFirstPauseIsSpreadAcrossFrontEnds()
    {
        var firstPauses = new HashSet<TimeSpan>();
        for (var seed = 0; seed < 10; seed++)
        {
            var time = new PauseRecordingTime();
            var grain = new DyingSiloGrain(time, time.GetUtcNow() + CallDeadline + TimeSpan.FromSeconds(1));
            await DecideWhileTimePassesAsync(grain, time, new Random(seed));
            firstPauses.Add(time.Pauses[0]);
        }
        Assert.True(firstPauses.Count >= 8, string.Join(", ", firstPauses));
        Assert.All(firstPauses, p => Assert.InRange(p, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(600)));
    }

    private Task<LoginDecision> DecideWhileTimePassesAsync(DyingSiloGrain grain) => DecideWhileTimePassesAsync(grain, _time, null);

    private static async Task<LoginDecision> DecideWhileTimePassesAsync(DyingSiloGrain grain, FakeTimeProvider time, Random? random)
    {
        var cluster = new ClusterSettings(ClusterMode.Redis, "127.0.0.1:6379", "svc", "cluster", 11111, 30000, null) { LoginRetryBudget = Budget };
        var decider = new LoginGrainClient(new LoginGrains(FixedGrainFactory.For(grain)), cluster, new LoginPolicySettings(), time,
            NullLogger<LoginGrainClient>.Instance, random);
        var attempt = new LoginAttempt(MailProtocol.Imap, AuthMethod.Plain, "alice", "secret", null, "192.0.2.1", 1, null,
            new AuthHttpEndpoint("http://127.0.0.1:9/auth", AuthTimeout, []));
        var decide = decider.DecideAsync(attempt, TimeSpan.FromMinutes(1), CancellationToken.None);
        // Virtual time moves 50 ms at a time, with a real pause for the decider's continuations to run.
        for (var step = 0; step < 2000 && !decide.IsCompleted; step++)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
            time.Advance(TimeSpan.FromMilliseconds(50));
        }
        Assert.True(decide.IsCompleted, "the decision never came");
        return await decide;
    }

    /// <summary>
    /// A login grain on a silo that died just as the first call was sent: that call never answers (cancelled by its
    /// deadline), later calls fail at once as Orleans fails calls to a silo not yet declared dead, and from
    /// <paramref name="answersFrom"/> the reactivated grain allows the login.
    /// </summary>
    private sealed class DyingSiloGrain(TimeProvider time, DateTimeOffset answersFrom) : IUserLoginGrain
    {
        public int Calls;

        public async Task<LoginDecision> DecideLogin(LoginAttempt attempt, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref Calls) == 1) await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
            if (time.GetUtcNow() < answersFrom) throw new SiloUnavailableException("the grain's silo is not answering");
            return LoginDecision.Allow("127.0.0.1", 143, attempt.Login, attempt.Secret);
        }

        public Task FlushCache() => throw new NotSupportedException();
        public Task Unblock(string? address) => throw new NotSupportedException();
        public Task<UserLoginReport> Report() => throw new NotSupportedException();
        public Task RenewSessions(IReadOnlyList<SessionLease> leases) => throw new NotSupportedException();
        public Task ReleaseSession(string leaseId) => throw new NotSupportedException();
        public Task RevokeAddressLease(string addressPrefix) => throw new NotSupportedException();
    }

    /// <summary>Virtual time that notes each retry pause the decider asks for (its timers up to the longest pause).</summary>
    private sealed class PauseRecordingTime : FakeTimeProvider
    {
        private readonly List<TimeSpan> _pauses = [];

        public IReadOnlyList<TimeSpan> Pauses { get { lock (_pauses) return [.. _pauses]; } }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime > TimeSpan.Zero && dueTime <= TimeSpan.FromSeconds(2)) lock (_pauses) _pauses.Add(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>An <see cref="IGrainFactory"/> whose every <c>GetGrain</c> hands out the one grain.</summary>
    public class FixedGrainFactory : DispatchProxy
    {
        private object? _grain;

        internal static IGrainFactory For(object grain)
        {
            var factory = Create<IGrainFactory, FixedGrainFactory>();
            ((FixedGrainFactory)(object)factory)._grain = grain;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IGrainFactory.GetGrain) ? _grain : throw new NotSupportedException(targetMethod?.Name);
    }
}
