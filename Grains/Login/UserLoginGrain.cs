using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Hosting;
using Hosting = OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Decides the attempts for one login, one at a time (non-reentrant, so a burst of parallel attempts cannot slip
/// past a threshold), for every front end in the cluster:
/// <list type="bullet">
/// <item>nginx's per-connection Auth-Wait made cluster-wide: while it runs, every attempt is told to come back later
/// and the auth server is not asked (src/mail/ngx_mail_auth_http_module.c step 1). In memory: a crash forgets it, no worse than nginx.</item>
/// <item>the auth-decision cache (<see cref="AuthDecisionCache"/>, memory only), with stale-if-error;</item>
/// <item>brute-force throttling per login and client address prefix (<see cref="LoginThrottleState"/>, persisted)
/// and per address prefix across logins (<see cref="IClientAddressGrain"/>);</item>
/// <item>concurrent-session limits (UserLoginGrain.Sessions.cs): an allowed login takes its session's slot in the
/// same call.</item>
/// </list>
/// The grain never allows anything the auth server did not allow for exactly this secret.
/// </summary>
[GrainType(GrainTypeName)]
internal sealed partial class UserLoginGrain(
    [PersistentState("throttle", Hosting.SiloBuilderExtensions.StorageName)] IPersistentState<LoginThrottleState> state,
    AuthHttpClient authHttp,
    LoginPolicySettings settings,
    SecretHasher hasher,
    TimeProvider timeProvider,
    Upstreams.UpstreamPlacement upstreams) : Grain, IUserLoginGrain
{
    public const string GrainTypeName = "userlogin";

    /// <summary>What a local refusal says when the auth server never refused this login yet (nginx's usual text).</summary>
    private const string DefaultRefusal = "Invalid login or password";

    private readonly AuthDecisionCache _cache = new();
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    /// <inheritdoc />
    /// <remarks>
    /// The pool upstream is chosen after the cache, on every decision, so a cached decision follows health and drains
    /// at once; the cache keeps the auth server's own answer.
    /// </remarks>
    public async Task<LoginDecision> DecideLogin(LoginAttempt attempt, CancellationToken cancellationToken = default) =>
        upstreams.Place(attempt.Protocol, await DecideAsync(attempt, cancellationToken));

    private async Task<LoginDecision> DecideAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        var decision = await DecideCredentialsAsync(attempt, cancellationToken);
        return decision.Outcome == LoginOutcome.Allowed && attempt.FrontEnd is { } frontEnd
            ? await OpenSessionAsync(attempt, frontEnd, decision)
            : decision;
    }

    /// <summary>The decision on the credentials alone: Auth-Wait, cache, throttling, the auth server.</summary>
    private async Task<LoginDecision> DecideCredentialsAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now < _notBefore)
        {
            return LoginDecision.RetryAfter(_notBefore - now);
        }

        // Throttling comes before the cache: an address past the threshold is refused even the right password, or a
        // brute force that reached a cached secret would get through (and learn it was right).
        var throttled = Throttles(attempt);
        var prefix = AddressPrefix.For(attempt.ClientIp, settings);
        if (throttled && await IsThrottledAsync(prefix, now))
        {
            return LocalRefusal(prefix);
        }

        // Only a clear-text password can be matched again: APOP and CRAM-MD5 digests change with every challenge,
        // EXTERNAL and smtp_auth none carry no secret at all.
        var cacheable = attempt.Method == AuthMethod.Plain;
        var secretHash = hasher.Hash(attempt.Login, attempt.Secret);
        var cacheKey = cacheable ? CacheKey(attempt) : null;
        if (cacheKey is not null && _cache.Fresh(cacheKey, now) is { } cached)
        {
            return cached;
        }

        if (settings.AuthCacheDigestLocal && attempt is { Method: AuthMethod.Apop or AuthMethod.CramMd5, Salt: { } salt }
            && _cache.FreshMatchingDigest(attempt.Protocol, attempt.Method, salt, attempt.Secret, now) is { } verified)
        {
            return verified;
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
                    _cache.ForgetOtherSecrets(secretHash);
                    _cache.Store(cacheKey, attempt.Protocol, secretHash, decision, now, answer.CacheTtl ?? settings.AuthCacheTtl,
                        answer.CacheTtl == TimeSpan.Zero ? now : now + settings.AuthCacheStaleIfError);
                }
                else if (settings.AuthCacheDigestLocal && attempt.Method is AuthMethod.Apop or AuthMethod.CramMd5)
                    _cache.Store(Convert.ToBase64String(hasher.Hash("digest", attempt.Protocol.ToString())), attempt.Protocol, secretHash,
                        decision, now, answer.CacheTtl ?? settings.AuthCacheTtl, now);
                if (throttled) await ForgiveAsync(prefix);
                return decision;

            case LoginOutcome.Refused:
                if (decision.Wait is { } wait && wait > TimeSpan.Zero && now + wait > _notBefore)
                    _notBefore = now + wait;
                if (cacheKey is not null)
                    _cache.Store(cacheKey, attempt.Protocol, secretHash, decision, now, answer.CacheTtl ?? settings.AuthCacheNegativeTtl, now);
                return throttled && attempt.Method != AuthMethod.External
                    ? decision with { Delay = await CountFailureAsync(prefix, secretHash, decision, now) }
                    : decision;

            case LoginOutcome.Unavailable when cacheKey is not null && _cache.Stale(cacheKey, now, settings.AuthCacheStaleIfError) is { } stale:
                // stale-if-error: the auth server allowed exactly this secret not long ago and cannot answer now.
                return stale;

            default:
                return decision;
        }
    }

    /// <inheritdoc />
    public Task FlushCache()
    {
        _cache.Clear();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task Unblock(string? address)
    {
        _notBefore = DateTimeOffset.MinValue;
        var prefix = address is null ? null : AddressPrefix.For(address, settings);
        await state.UpdateAsync(s =>
        {
            if (prefix is null) s.ByAddressPrefix.Clear();
            else s.ByAddressPrefix.Remove(prefix);
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
                return new AddressThrottleReport(p.Key, p.Value.Entries.Count, p.Value.IsThrottled(settings.BruteforceLoginThreshold),
                    p.Value.ThrottledUntil(settings.BruteforceLoginThreshold, settings.BruteforceWindow));
            })
            .Where(t => t.DistinctFailures > 0)
            .ToList();
        return Task.FromResult(new UserLoginReport(_cache.Count, now < _notBefore ? _notBefore : null, throttles, _sessions.All(now)));
    }

    private string CacheKey(LoginAttempt attempt) => Convert.ToBase64String(hasher.Hash(
        attempt.Protocol.ToString(), attempt.Method.ToString(), attempt.Login, attempt.Secret,
        settings.AuthCacheClientAddress ? attempt.ClientIp : null));

    /// <summary>Trusted networks (a webmail front) are never throttled; nor is anything when both thresholds are 0.</summary>
    private bool Throttles(LoginAttempt attempt) =>
        (settings.BruteforceLoginThreshold > 0 || settings.BruteforceAddressThreshold > 0)
        && attempt.Method != AuthMethod.None
        && !AddressPrefix.IsTrusted(attempt.ClientIp, settings);

    private async Task<bool> IsThrottledAsync(string prefix, DateTimeOffset now)
    {
        if (state.State.ByAddressPrefix.TryGetValue(prefix, out var window))
        {
            window.Prune(now, settings.BruteforceWindow);
            if (window.IsThrottled(settings.BruteforceLoginThreshold)) return true;
        }

        return settings.BruteforceAddressThreshold > 0 && await AddressGrain(prefix).IsThrottled();
    }

    /// <summary>Refused without asking the auth server, indistinguishable from its last refusal (same text, Auth-Wait and delay).</summary>
    private LoginDecision LocalRefusal(string prefix)
    {
        var count = state.State.ByAddressPrefix.TryGetValue(prefix, out var window) ? window.Entries.Count : 0;
        return LoginDecision.Refuse(state.State.LastRefusalMessage ?? DefaultRefusal, state.State.LastRefusalWait, state.State.LastRefusalSmtpErrorCode)
            with { Delay = RefusalDelay.For(Math.Max(count, settings.BruteforceLoginThreshold), settings) };
    }

    /// <summary>Counts a wrong secret (once per distinct secret), persisted before the reply; returns the refusal's delay.</summary>
    private async Task<TimeSpan?> CountFailureAsync(string prefix, byte[] secretHash, LoginDecision refusal, DateTimeOffset now)
    {
        var isNew = false;
        await state.UpdateAsync(s =>
        {
            if (!s.ByAddressPrefix.TryGetValue(prefix, out var window))
                s.ByAddressPrefix[prefix] = window = new FailureWindow();
            window.Prune(now, settings.BruteforceWindow);
            isNew = window.Add(secretHash, now);
            var changedRefusal = s.LastRefusalMessage != refusal.Message || s.LastRefusalWait != refusal.Wait
                || s.LastRefusalSmtpErrorCode != refusal.SmtpErrorCode;
            s.LastRefusalMessage = refusal.Message;
            s.LastRefusalWait = refusal.Wait;
            s.LastRefusalSmtpErrorCode = refusal.SmtpErrorCode;
            return isNew || changedRefusal;
        });
        if (isNew && settings.BruteforceAddressThreshold > 0) await AddressGrain(prefix).RecordFailure(secretHash);
        return RefusalDelay.For(state.State.ByAddressPrefix[prefix].Entries.Count, settings);
    }

    /// <summary>The client proved the password from this prefix: its typos there are forgiven.</summary>
    private async Task ForgiveAsync(string prefix)
    {
        await state.UpdateAsync(s => s.ByAddressPrefix.Remove(prefix));
    }

    private IClientAddressGrain AddressGrain(string prefix) => GrainFactory.GetGrain<IClientAddressGrain>(prefix);
}
