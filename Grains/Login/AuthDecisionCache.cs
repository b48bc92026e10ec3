using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// One login's cached decisions, in the grain's memory only (never persisted: an allowed decision carries the
/// upstream password). Keyed by a keyed hash of everything the auth server was asked that identifies the client's
/// proof (protocol, method, login, secret, and the client address when configured), so a different password never
/// finds another password's decision (the lesson of CVE-2025-30189: a cache key must hold every lookup input).
/// </summary>
internal sealed class AuthDecisionCache
{
    /// <summary>A login has a handful of live passwords and devices; more is an attacker filling memory.</summary>
    private const int MaxEntries = 32;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>A decision still within its TTL.</summary>
    public LoginDecision? Fresh(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && now < entry.FreshUntil ? entry.Decision : null;

    /// <summary>
    /// An allowed decision obtained from the auth server no longer ago than <paramref name="limit"/> (stale-if-error),
    /// and still within what it was stored for (a bearer token's Auth-Cache-TTL bounds that too).
    /// </summary>
    public LoginDecision? Stale(string key, DateTimeOffset now, TimeSpan limit) =>
        _entries.TryGetValue(key, out var entry) && entry.Decision.Outcome == LoginOutcome.Allowed && now < entry.ObtainedAt + limit && now < entry.KeepUntil
            ? entry.Decision
            : null;

    /// <summary>A fresh allowed decision for <paramref name="protocol"/> whose upstream password checks the digest (local CRAM-MD5/APOP).</summary>
    public LoginDecision? FreshMatchingDigest(MailProtocol protocol, AuthMethod method, string salt, string digest, DateTimeOffset now)
    {
        foreach (var entry in _entries.Values)
        {
            // A bearer login's Auth-Pass is a master or app password, not the user's: it proves no digest.
            if (now < entry.FreshUntil && entry.Protocol == protocol && !entry.Method.IsBearerToken() && entry.Decision is { Outcome: LoginOutcome.Allowed, UpstreamPassword: { Length: > 0 } password }
                && ChallengeDigest.Matches(method, salt, password, digest))
                return entry.Decision;
        }
        return null;
    }

    /// <summary>
    /// Keeps a decision for <paramref name="ttl"/>, or, for an allowed one, until <paramref name="keepUntil"/> when that
    /// is later (stale-if-error). <paramref name="secret"/> is the keyed hash of the secret alone.
    /// </summary>
    public void Store(string key, MailProtocol protocol, AuthMethod method, byte[] secret, LoginDecision decision, DateTimeOffset now, TimeSpan ttl, DateTimeOffset keepUntil)
    {
        if (ttl <= TimeSpan.Zero && (decision.Outcome != LoginOutcome.Allowed || keepUntil <= now)) return;
        if (!_entries.ContainsKey(key) && _entries.Count >= MaxEntries) Evict(now);
        _entries[key] = new Entry(decision, protocol, method, secret, now, now + ttl, Max(now + ttl, keepUntil));
    }

    /// <summary>
    /// The auth server allowed <paramref name="secret"/>: every allowed decision for another secret is dropped, so a
    /// password that was changed stops working at once instead of at the end of its TTL.
    /// </summary>
    public void ForgetOtherSecrets(byte[] secret)
    {
        foreach (var (key, entry) in _entries.ToList())
            if (!entry.Secret.AsSpan().SequenceEqual(secret)) _entries.Remove(key);
    }

    public void Clear() => _entries.Clear();

    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries.ToList())
            if (entry.KeepUntil <= now) _entries.Remove(key);
        if (_entries.Count >= MaxEntries)
            _entries.Remove(_entries.MinBy(e => e.Value.ObtainedAt).Key);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record Entry(LoginDecision Decision, MailProtocol Protocol, AuthMethod Method, byte[] Secret, DateTimeOffset ObtainedAt, DateTimeOffset FreshUntil, DateTimeOffset KeepUntil);
}
