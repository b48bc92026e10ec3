using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Brute-force throttling of one login (README "Login policy"): distinct wrong secrets per client address prefix
/// lock that prefix out for the login past <c>bruteforce_login_threshold</c>; a wrong secret already refused is
/// refused again locally for <c>bruteforce_repeat_window</c>; a success from a prefix forgives its typos. Local
/// refusals repeat the auth server's last refusal (text, Auth-Wait, delay), so an attacker cannot tell them apart.
/// </summary>
internal sealed partial class UserLoginGrain
{
    /// <summary>What a local refusal says when the auth server never refused this login yet (nginx's usual text).</summary>
    private const string DefaultRefusal = "Invalid login or password";

    /// <summary>Prefixes whose windows are kept before the empty ones are swept (the state is written whole).</summary>
    private const int PrefixesBeforeSweep = 256;

    /// <summary>Trusted networks (a webmail front) are never throttled; nor is anything when every rule is off.</summary>
    private bool Throttles(LoginAttempt attempt, bool trusted) =>
        !trusted && attempt.Method != AuthMethod.None
        && (settings.BruteforceLoginThreshold > 0 || settings.BruteforceAddressThreshold > 0
            || settings.BruteforceLoginBudget > 0 || settings.BruteforceRepeatWindow > TimeSpan.Zero);

    /// <summary>The threshold rule that locks <paramref name="prefix"/> out of this login, or null.</summary>
    private async ValueTask<string?> ThresholdReachedAsync(string prefix, DateTimeOffset now)
    {
        if (state.State.ByAddressPrefix.TryGetValue(prefix, out var window))
        {
            window.Prune(now, settings.BruteforceWindow);
            if (window.IsThrottled(settings.BruteforceLoginThreshold)) return ThrottleRule.LoginThreshold;
        }

        return settings.BruteforceAddressThreshold > 0 && await AddressThrottledAsync(prefix, now) ? ThrottleRule.AddressThreshold : null;
    }

    /// <summary>Whether the auth server refused exactly this question from this prefix within its repeat window.</summary>
    private bool IsRepeatedRefusal(string prefix, byte[] question, DateTimeOffset now) =>
        state.State.RepeatsByAddressPrefix.TryGetValue(prefix, out var repeats) && repeats.Refuses(question, now);

    /// <summary>
    /// Refused without asking the auth server, indistinguishable from its last refusal: same text and Auth-Wait (which
    /// holds this prefix as the auth server's own would), and the delay the count of wrong secrets earns — at least the
    /// threshold's when the prefix is locked out.
    /// </summary>
    private LoginDecision LocalRefusal(AuthMethod method, string prefix, DateTimeOffset now, bool atLeastThreshold)
    {
        var s = state.State;
        var count = s.ByAddressPrefix.TryGetValue(prefix, out var window) ? window.Entries.Count : 0;
        if (atLeastThreshold) count = Math.Max(count, settings.BruteforceLoginThreshold);
        if (s.LastRefusalWait is { } wait && wait > TimeSpan.Zero) _authWaits.Start(prefix, now + wait, now);
        return LoginDecision.Refuse(s.LastRefusalMessage ?? DefaultRefusal, s.LastRefusalWait, s.LastRefusalSmtpErrorCode)
            with { Delay = RefusalDelay.For(count, settings), SaslError = method.IsBearerToken() ? s.LastRefusalSaslError : null };
    }

    /// <summary>
    /// Counts a wrong secret (once per distinct secret, per prefix and across prefixes) and remembers the refused
    /// question for the repeat window, persisted before the reply; returns the refusal's delay.
    /// </summary>
    private async Task<TimeSpan?> CountFailureAsync(string prefix, byte[] secretHash, byte[]? question, LoginDecision refusal, DateTimeOffset now)
    {
        var isNew = false;
        var repeatWindow = settings.BruteforceRepeatWindow;
        var repeatUntil = now + (refusal.Wait is { } wait && wait > repeatWindow ? wait : repeatWindow);
        await state.UpdateAsync(s =>
        {
            if (s.ByAddressPrefix.Count >= PrefixesBeforeSweep) Sweep(s, now);
            if (!s.ByAddressPrefix.TryGetValue(prefix, out var window))
                s.ByAddressPrefix[prefix] = window = new FailureWindow();
            window.Prune(now, settings.BruteforceWindow);
            isNew = window.Add(secretHash, now);
            var changed = isNew;
            if (settings.BruteforceLoginBudget > 0)
                changed |= s.AcrossPrefixes.Prune(now, settings.BruteforceLoginBudgetWindow) | s.AcrossPrefixes.Add(secretHash, now);
            if (question is not null && repeatWindow > TimeSpan.Zero)
            {
                if (!s.RepeatsByAddressPrefix.TryGetValue(prefix, out var repeats))
                    s.RepeatsByAddressPrefix[prefix] = repeats = new RepeatedRefusals();
                repeats.Prune(now);
                repeats.Add(question, repeatUntil);
                changed = true;
            }
            var changedRefusal = s.LastRefusalMessage != refusal.Message || s.LastRefusalWait != refusal.Wait
                || s.LastRefusalSmtpErrorCode != refusal.SmtpErrorCode || s.LastRefusalSaslError != refusal.SaslError;
            s.LastRefusalMessage = refusal.Message;
            s.LastRefusalWait = refusal.Wait;
            s.LastRefusalSmtpErrorCode = refusal.SmtpErrorCode;
            s.LastRefusalSaslError = refusal.SaslError;
            return changed || changedRefusal;
        });
        if (isNew && settings.BruteforceAddressThreshold > 0) await AddressGrain(prefix).RecordFailure(secretHash);
        return RefusalDelay.For(state.State.ByAddressPrefix[prefix].Entries.Count, settings);
    }

    /// <summary>
    /// The client proved the password from this prefix: remembered as a known prefix (never slowed by the guessing
    /// budget) and, when the auth server just said so (<paramref name="forgive"/>), its typos there are forgiven.
    /// </summary>
    private async Task RememberPrefixAsync(string prefix, DateTimeOffset now, bool forgive)
    {
        var remember = settings.BruteforceLoginBudget > 0 && !_knownThisActivation.Contains(prefix);
        if (!remember && !forgive) return;
        var known = remember ? KnownPrefixKey(prefix) : null;
        await state.UpdateAsync(s =>
        {
            var changed = forgive && (s.ByAddressPrefix.Remove(prefix) | s.RepeatsByAddressPrefix.Remove(prefix));
            if (known is not null && (!s.KnownPrefixes.TryGetValue(known, out var last) || now - last > KnownPrefixRefresh))
            {
                PruneKnownPrefixes(s, now);
                s.KnownPrefixes[known] = now;
                changed = true;
            }
            return changed;
        });
        if (remember) _knownThisActivation.Add(prefix);
    }

    /// <summary>Drops the windows and repeats that hold nothing any more, so an attack from many prefixes leaves no trace.</summary>
    private void Sweep(LoginThrottleState s, DateTimeOffset now)
    {
        foreach (var (key, window) in s.ByAddressPrefix.ToList())
        {
            window.Prune(now, settings.BruteforceWindow);
            if (window.Entries.Count == 0) s.ByAddressPrefix.Remove(key);
        }
        foreach (var (key, repeats) in s.RepeatsByAddressPrefix.ToList())
        {
            repeats.Prune(now);
            if (repeats.Entries.Count == 0) s.RepeatsByAddressPrefix.Remove(key);
        }
    }
}
