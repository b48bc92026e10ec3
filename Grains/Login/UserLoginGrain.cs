using System.Diagnostics;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Hosting;
using Hosting = OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Decides the attempts for one login, one at a time (non-reentrant, so a burst of parallel attempts cannot slip
/// past a threshold), for every front end in the cluster. Keyed by the normalised login (<see cref="LoginGrainKey"/>),
/// so case variants share every count. In the order a decision takes (README "Login policy"):
/// <list type="number">
/// <item>the Auth-Wait the client's address prefix earned (<see cref="AuthWaits"/>; other prefixes and trusted
/// networks are never held by it);</item>
/// <item>brute-force throttling per login and address prefix, and per prefix across logins
/// (UserLoginGrain.Throttling.cs, <see cref="IClientAddressGrain"/>, whose answer is leased so that a warm login makes
/// no call to it: UserLoginGrain.AddressLeases.cs; persisted);</item>
/// <item>the auth-decision cache (<see cref="AuthDecisionCache"/>, memory only), with stale-if-error;</item>
/// <item>a wrong secret already refused for this prefix is refused again locally (<see cref="RepeatedRefusals"/>);</item>
/// <item>the distributed-guessing budget: past it, unknown prefixes reach the auth server one per interval
/// (UserLoginGrain.Guessing.cs);</item>
/// <item>the auth server;</item>
/// <item>concurrent-session limits (UserLoginGrain.Sessions.cs): an allowed login takes its slot in the same call.</item>
/// </list>
/// The grain never allows anything the auth server did not allow for exactly this question. A decision one of the
/// brute-force rules takes names it (<see cref="LoginDecision.ThrottledBy"/>, <see cref="ThrottleRule"/>) and is
/// counted in <c>orleansmail.throttle.engagements</c>.
/// </summary>
[GrainType(GrainTypeName)]
internal sealed partial class UserLoginGrain(
    [PersistentState("throttle", Hosting.SiloBuilderExtensions.StorageName)] IPersistentState<LoginThrottleState> state,
    AuthHttpClient authHttp,
    LoginPolicySettings settings,
    SecretHasher hasher,
    TimeProvider timeProvider,
    Upstreams.UpstreamPlacement upstreams,
    GrainMetrics metrics,
    AuthServerAllowList authServers) : Grain, IUserLoginGrain
{
    public const string GrainTypeName = "userlogin";

    private readonly AuthDecisionCache _cache = new();
    private readonly AuthWaits _authWaits = new();

    /// <inheritdoc />
    /// <remarks>
    /// The pool upstream is chosen after the cache, on every decision, so a cached decision follows health and drains
    /// at once; the cache keeps the auth server's own answer.
    /// </remarks>
    public async Task<LoginDecision> DecideLogin(LoginAttempt attempt, CancellationToken cancellationToken = default)
    {
        var decision = upstreams.Place(attempt.Protocol, await DecideAsync(attempt, cancellationToken));
        Trace(attempt, decision);
        return decision;
    }

    /// <summary>
    /// The decision's attributes on the grain call's span of the login trace (README "Observability"): bounded values
    /// only, never the login or a secret. <c>mail.mechanism</c> is the auth_http <c>Auth-Method</c> (plain covers LOGIN,
    /// PLAIN and USER/PASS; the front end's span has the exact mechanism).
    /// </summary>
    private static void Trace(LoginAttempt attempt, LoginDecision decision)
    {
        if (Activity.Current is not { IsAllDataRequested: true } activity) return;
        activity.SetTag("mail.protocol", TelemetryLabels.Protocol(attempt.Protocol));
        activity.SetTag("mail.mechanism", AuthHttpNames.For(attempt.Method));
        activity.SetTag("mail.result", decision switch
        {
            { ThrottledBy: not null } => "throttled",
            { Outcome: LoginOutcome.Allowed } => "ok",
            { Outcome: LoginOutcome.Refused } => "failed",
            { Outcome: LoginOutcome.RetryLater } => "wait",
            { Outcome: LoginOutcome.SessionLimit } => "session_limit",
            _ => "temporary_failure",
        });
        if (decision.ThrottledBy is { } rule) activity.SetTag("mail.throttle.rule", rule);
    }

    private async Task<LoginDecision> DecideAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        // Before any rule, cache or count: an attempt naming an auth server the cluster does not allow is not a login.
        if (authServers.Refusal(attempt) is { } refused) return refused;
        var decision = await DecideCredentialsAsync(attempt, cancellationToken);
        return decision.Outcome == LoginOutcome.Allowed && attempt.FrontEnd is { } frontEnd
            ? await OpenSessionAsync(attempt, frontEnd, decision)
            : decision;
    }

    /// <summary>The decision on the credentials alone: Auth-Wait, throttling, cache, repeats, budget, the auth server.</summary>
    private async Task<LoginDecision> DecideCredentialsAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var prefix = AddressPrefix.For(attempt.ClientIp, settings);
        var trusted = AddressPrefix.IsTrusted(attempt.ClientIp, settings);
        if (!trusted && _authWaits.Until(prefix, now) is { } waitUntil)
        {
            return Throttled(LoginDecision.RetryAfter(waitUntil - now), ThrottleRule.AuthWait);
        }

        // Throttling comes before the cache: an address past the threshold is refused even the right password, or a
        // brute force that reached a cached secret would get through (and learn it was right).
        var throttled = Throttles(attempt, trusted);
        if (throttled && await ThresholdReachedAsync(prefix, now) is { } threshold)
        {
            return Throttled(LocalRefusal(attempt.Method, prefix, now, atLeastThreshold: true), threshold);
        }

        // Only a clear-text password or a bearer token can be matched again: APOP and CRAM-MD5 digests change with
        // every challenge, EXTERNAL and smtp_auth none carry no secret at all.
        var question = attempt.Method == AuthMethod.Plain || attempt.Method.IsBearerToken() ? AuthQuestion.Hash(hasher, attempt, settings) : null;
        var cacheKey = question is null ? null : Convert.ToBase64String(question);
        var cached = cacheKey is null ? null : _cache.Fresh(cacheKey, now);
        if (cacheKey is not null) metrics.CacheLookup(attempt.Protocol, hit: cached is not null);
        if (cached is not null)
        {
            if (cached.Outcome == LoginOutcome.Allowed && throttled) await RememberPrefixAsync(prefix, now, forgive: false);
            return cached;
        }

        if (throttled && question is not null && IsRepeatedRefusal(prefix, question, now))
        {
            return Throttled(LocalRefusal(attempt.Method, prefix, now, atLeastThreshold: false), ThrottleRule.RepeatedRefusal);
        }

        if (settings.AuthCacheDigestLocal && attempt is { Method: AuthMethod.Apop or AuthMethod.CramMd5, Salt: { } salt })
        {
            var verified = _cache.FreshMatchingDigest(attempt.Protocol, attempt.Method, salt, attempt.Secret, now);
            metrics.CacheLookup(attempt.Protocol, hit: verified is not null);
            if (verified is not null) return verified;
        }

        var secretHash = hasher.Hash(this.GetPrimaryKeyString(), attempt.Secret);
        if (throttled && WaitForAdmission(prefix, prefix + " " + (cacheKey ?? Convert.ToBase64String(secretHash)), now) is { } notYet)
        {
            return notYet;
        }

        var answer = await authHttp.AnswerAsync(attempt, cancellationToken);
        var decision = answer.Decision;
        now = timeProvider.GetUtcNow();
        switch (decision.Outcome)
        {
            case LoginOutcome.Allowed:
                if (cacheKey is not null)
                {
                    // A password the auth server accepts ends every other password's cached decision (changed password).
                    // Not a token: each device holds its own, and a refreshed token does not revoke the others.
                    if (!attempt.Method.IsBearerToken()) _cache.ForgetOtherSecrets(secretHash);
                    var (ttl, keep) = CacheTimes(attempt.Method, answer.CacheTtl);
                    _cache.Store(cacheKey, attempt.Protocol, attempt.Method, secretHash, decision, now, ttl, now + keep);
                }
                else if (settings.AuthCacheDigestLocal && attempt.Method is AuthMethod.Apop or AuthMethod.CramMd5)
                    _cache.Store(Convert.ToBase64String(hasher.Hash("digest", attempt.Protocol.ToString())), attempt.Protocol, attempt.Method, secretHash,
                        decision, now, answer.CacheTtl ?? settings.AuthCacheTtl, now);
                if (throttled) await RememberPrefixAsync(prefix, now, forgive: true);
                return decision;

            case LoginOutcome.Refused:
                if (!trusted && decision.Wait is { } wait && wait > TimeSpan.Zero) _authWaits.Start(prefix, now + wait, now);
                if (cacheKey is not null)
                    _cache.Store(cacheKey, attempt.Protocol, attempt.Method, secretHash, decision, now, answer.CacheTtl ?? settings.AuthCacheNegativeTtl, now);
                return throttled && attempt.Method != AuthMethod.External
                    ? decision with { Delay = await CountFailureAsync(prefix, secretHash, question, decision, now) }
                    : decision;

            case LoginOutcome.TemporaryFailure when cacheKey is not null && _cache.Stale(cacheKey, now, settings.AuthCacheStaleIfError) is { } stale:
                // stale-if-error: the auth server allowed exactly this question not long ago and cannot answer now.
                return stale;

            default:
                return decision;
        }
    }

    /// <summary>
    /// How long an allowed decision is reused, and how long it is kept for stale-if-error. A password's: Auth-Cache-TTL,
    /// else auth_cache_ttl. A bearer token's: auth_cache_token_ttl, cut to Auth-Cache-TTL when the answer has one (the
    /// auth server may know the token expires sooner), and never served stale past that either.
    /// </summary>
    private (TimeSpan Ttl, TimeSpan KeepForErrors) CacheTimes(AuthMethod method, TimeSpan? answered)
    {
        var keep = answered == TimeSpan.Zero ? TimeSpan.Zero : settings.AuthCacheStaleIfError;
        if (!method.IsBearerToken()) return (answered ?? settings.AuthCacheTtl, keep);
        return answered is { } bound
            ? (Min(settings.AuthCacheTokenTtl, bound), Min(keep, bound))
            : (settings.AuthCacheTokenTtl, keep);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <inheritdoc />
    public Task FlushCache()
    {
        _cache.Clear();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task Unblock(string? address)
    {
        var prefix = address is null ? null : AddressPrefix.For(address, settings);
        _authWaits.Clear(prefix);
        if (prefix is null) _admissions.Clear();
        await state.UpdateAsync(s =>
        {
            if (prefix is null)
            {
                s.ByAddressPrefix.Clear();
                s.RepeatsByAddressPrefix.Clear();
                s.AcrossPrefixes.Entries.Clear();
            }
            else
            {
                s.ByAddressPrefix.Remove(prefix);
                s.RepeatsByAddressPrefix.Remove(prefix);
            }
            return true;
        });
    }

    /// <inheritdoc />
    public Task<UserLoginReport> Report()
    {
        var now = timeProvider.GetUtcNow();
        var throttles = state.State.ByAddressPrefix
            .Select(p =>
            {
                p.Value.Prune(now, settings.BruteforceWindow);
                var repeats = state.State.RepeatsByAddressPrefix.TryGetValue(p.Key, out var r) ? r.Entries.Count(e => now < e.Until) : 0;
                return new AddressThrottleReport(p.Key, p.Value.Entries.Count, p.Value.IsThrottled(settings.BruteforceLoginThreshold),
                    p.Value.ThrottledUntil(settings.BruteforceLoginThreshold, settings.BruteforceWindow), repeats);
            })
            .Where(t => t.DistinctFailures > 0)
            .ToList();
        var waits = _authWaits.Running(now).Select(w => new AuthWaitReport(w.Prefix, w.Until)).ToList();
        return Task.FromResult(new UserLoginReport(_cache.Count, waits, throttles, _sessions.All(now), GuessingReport(now)));
    }

    /// <summary>A decision a brute-force rule took instead of the auth server: named, and counted once.</summary>
    private LoginDecision Throttled(LoginDecision decision, string rule)
    {
        metrics.ThrottleEngaged(rule);
        return decision with { ThrottledBy = rule };
    }

    private IClientAddressGrain AddressGrain(string prefix) => GrainFactory.GetGrain<IClientAddressGrain>(prefix);
}
