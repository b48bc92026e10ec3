using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Distributed guessing: many address prefixes, one login, each prefix staying under the per-prefix threshold. Past
/// <c>bruteforce_login_budget</c> distinct wrong secrets across every prefix in the budget window, attempts from
/// prefixes without a recent success for this login reach the auth server one per <c>bruteforce_admission_interval</c>
/// cluster-wide (this grain decides for the whole cluster); the others are told to come back for their turn, which the
/// front end waits out up to its <c>timeout</c> before sending the temporary-failure reply. Prefixes with a success in
/// the last <c>bruteforce_known_prefix_ttl</c> are never slowed, so the real user still gets in at home, and from a new
/// network within the admitted rate. Known prefixes are persisted as keyed hashes: where the user logs in from is not
/// readable from storage.
/// </summary>
internal sealed partial class UserLoginGrain
{
    /// <summary>A login is used from a handful of networks; more known prefixes are dropped oldest first.</summary>
    private const int MaxKnownPrefixes = 256;

    /// <summary>A known prefix's time is written again at most this often (a warm login writes nothing).</summary>
    private static readonly TimeSpan KnownPrefixRefresh = TimeSpan.FromDays(1);

    /// <summary>Prefixes recorded as known by this activation: the cached-login path then skips the hash and the check.</summary>
    private readonly HashSet<string> _knownThisActivation = new(StringComparer.Ordinal);

    /// <summary>The turns of attempts from unknown prefixes while the budget is spent.</summary>
    private readonly AdmissionQueue _admissions = new();

    /// <summary>
    /// Null when this attempt may ask the auth server now; otherwise the decision to send instead: come back at your
    /// turn, or, with the queue full, the temporary failure.
    /// </summary>
    /// <param name="prefix">The client address prefix the attempt comes from.</param>
    /// <param name="now">The grain's clock, read once for the attempt.</param>
    /// <param name="attemptKey">Identifies the attempt when it comes back: its prefix and question (or secret).</param>
    private LoginDecision? WaitForAdmission(string prefix, string attemptKey, DateTimeOffset now)
    {
        if (!BudgetSpent(now) || IsKnownPrefix(prefix, now)) return null;
        return _admissions.Admit(attemptKey, now, settings.BruteforceAdmissionInterval) switch
        {
            null => null,
            { } wait when wait == TimeSpan.MaxValue =>
                Throttled(LoginDecision.TemporaryFailure("too many logins waiting for the auth server"), ThrottleRule.AdmissionQueue),
            { } wait => Throttled(LoginDecision.RetryAfter(wait), ThrottleRule.LoginBudget),
        };
    }

    private bool BudgetSpent(DateTimeOffset now)
    {
        if (settings.BruteforceLoginBudget <= 0) return false;
        state.State.AcrossPrefixes.Prune(now, settings.BruteforceLoginBudgetWindow);
        return state.State.AcrossPrefixes.Entries.Count >= settings.BruteforceLoginBudget;
    }

    private bool IsKnownPrefix(string prefix, DateTimeOffset now) =>
        _knownThisActivation.Contains(prefix)
        || state.State.KnownPrefixes.TryGetValue(KnownPrefixKey(prefix), out var last) && now - last < settings.BruteforceKnownPrefixTtl;

    private string KnownPrefixKey(string prefix) => Convert.ToBase64String(hasher.Hash("known-prefix", prefix));

    private void PruneKnownPrefixes(LoginThrottleState s, DateTimeOffset now)
    {
        foreach (var (key, last) in s.KnownPrefixes.ToList())
            if (now - last >= settings.BruteforceKnownPrefixTtl) s.KnownPrefixes.Remove(key);
        if (s.KnownPrefixes.Count >= MaxKnownPrefixes)
            s.KnownPrefixes.Remove(s.KnownPrefixes.MinBy(p => p.Value).Key);
    }

    private GuessingReport GuessingReport(DateTimeOffset now)
    {
        var slowed = BudgetSpent(now); // prunes the window first
        return new(state.State.AcrossPrefixes.Entries.Count, settings.BruteforceLoginBudget, slowed,
            state.State.KnownPrefixes.Count(p => now - p.Value < settings.BruteforceKnownPrefixTtl));
    }
}
