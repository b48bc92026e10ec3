namespace OrleansMail.Grains.Login;

/// <summary>
/// The Auth-Wait each client address prefix earned for one login, in the grain's memory. nginx holds an Auth-Wait on
/// the one connection that failed (src/mail/ngx_mail_auth_http_module.c, ngx_mail_auth_sleep_handler); here it holds
/// for that prefix across the cluster, so the attacker cannot sidestep it with more connections or front ends, and
/// never for another prefix: one address repeating a wrong password must not lock the real user out elsewhere. A
/// crash forgets it, no worse than nginx.
/// </summary>
internal sealed class AuthWaits
{
    /// <summary>More prefixes than a login ever fails from at once; beyond it, the waits that end first are dropped.</summary>
    private const int MaxEntries = 4096;

    private readonly Dictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    /// <summary>When the wait running for <paramref name="prefix"/> ends, or null when none runs.</summary>
    public DateTimeOffset? Until(string prefix, DateTimeOffset now) =>
        _until.TryGetValue(prefix, out var until) && now < until ? until : null;

    /// <summary>Starts (or extends) the wait of <paramref name="prefix"/>.</summary>
    public void Start(string prefix, DateTimeOffset until, DateTimeOffset now)
    {
        if (_until.TryGetValue(prefix, out var running) && running >= until) return;
        if (!_until.ContainsKey(prefix) && _until.Count >= MaxEntries) Prune(now);
        _until[prefix] = until;
    }

    public void Clear(string? prefix)
    {
        if (prefix is null) _until.Clear();
        else _until.Remove(prefix);
    }

    /// <summary>The waits still running, for the admin report.</summary>
    public IEnumerable<(string Prefix, DateTimeOffset Until)> Running(DateTimeOffset now) =>
        _until.Where(w => now < w.Value).Select(w => (w.Key, w.Value));

    private void Prune(DateTimeOffset now)
    {
        foreach (var (prefix, until) in _until.ToList())
            if (until <= now) _until.Remove(prefix);
        if (_until.Count >= MaxEntries)
            foreach (var (prefix, _) in _until.OrderBy(w => w.Value).Take(_until.Count / 4).ToList())
                _until.Remove(prefix);
    }
}
