using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// The <c>LoginPolicy</c> section: the auth-decision cache, brute-force throttling and concurrent-session limits the
/// login grains apply on top of nginx's auth_http protocol (README "Login policy"). Read by the Silo and by the Frontend's embedded silo. Every key
/// may be written in PascalCase (<c>AuthCacheTtl</c>) or as the nginx-style directive (<c>auth_cache_ttl</c>); times
/// take nginx's suffixes (<c>500ms</c>, <c>60s</c>, <c>15m</c>, <c>1h</c>; a bare number is seconds).
/// </summary>
public sealed record LoginPolicySettings
{
    public const string SectionName = "LoginPolicy";

    /// <summary>How long an allowed decision is reused for the same login, method, protocol and secret. 0 = off.</summary>
    public TimeSpan AuthCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an allowed XOAUTH2/OAUTHBEARER decision is reused for the same bearer token, bounded by the answer's
    /// <c>Auth-Cache-TTL</c> when it has one (the smaller wins: an auth server that knows the token's remaining
    /// lifetime says so there). 0 = off.
    /// </summary>
    public TimeSpan AuthCacheTokenTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a refusal is reused. Off by default: a user who just fixed a typo in the auth database must not keep
    /// being refused, and throttling (below) already protects the auth server from repeated wrong secrets.
    /// </summary>
    public TimeSpan AuthCacheNegativeTtl { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// When the auth server is down or times out, an allowed decision no older than this is served instead of the
    /// temporary failure. 0 = fail closed (the default).
    /// </summary>
    public TimeSpan AuthCacheStaleIfError { get; init; } = TimeSpan.Zero;

    /// <summary>Also key cached decisions by the client's address (a decision is then reused only from the same address).</summary>
    public bool AuthCacheClientAddress { get; init; }

    /// <summary>
    /// Verify CRAM-MD5 and APOP locally against the Auth-Pass of a cached allowed decision. Only right when the auth
    /// server's Auth-Pass is the user's own password. Off: CRAM-MD5 and APOP always ask the auth server.
    /// </summary>
    public bool AuthCacheDigestLocal { get; init; }

    /// <summary>Distinct wrong secrets for one login from one address prefix before further attempts are refused locally. 0 = off.</summary>
    public int BruteforceLoginThreshold { get; init; } = 5;

    /// <summary>Distinct wrong (login, secret) pairs from one address prefix before every login from it is refused locally. 0 = off.</summary>
    public int BruteforceAddressThreshold { get; init; } = 20;

    /// <summary>The sliding window in which wrong secrets are counted.</summary>
    public TimeSpan BruteforceWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The first escalation step of the refusal delay (doubles per distinct wrong secret). 0 = no delay.</summary>
    public TimeSpan BruteforceDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The refusal delay never grows beyond this.</summary>
    public TimeSpan BruteforceDelayMax { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>IPv4 addresses are counted per prefix of this length.</summary>
    public int BruteforceIpv4Prefix { get; init; } = 32;

    /// <summary>IPv6 addresses are counted per prefix of this length (a host usually owns a /64).</summary>
    public int BruteforceIpv6Prefix { get; init; } = 64;

    /// <summary>
    /// How long a wrong secret the auth server refused for a login from an address prefix is refused again locally
    /// (same reply, same delay) without asking the auth server: at least this, or the Auth-Wait the refusal carried
    /// when that is longer. A phone retrying one stale password costs the auth server one call per window. 0 = off.
    /// </summary>
    public TimeSpan BruteforceRepeatWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Distributed guessing: distinct wrong secrets for one login across every address prefix, within
    /// <see cref="BruteforceLoginBudgetWindow"/>, before attempts from prefixes without a recent success for that
    /// login are admitted one per <see cref="BruteforceAdmissionInterval"/> cluster-wide. 0 = off.
    /// </summary>
    public int BruteforceLoginBudget { get; init; } = 50;

    /// <summary>The sliding window of <see cref="BruteforceLoginBudget"/>.</summary>
    public TimeSpan BruteforceLoginBudgetWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Past the budget, one attempt per this interval from unknown prefixes reaches the auth server; the rest wait their turn.</summary>
    public TimeSpan BruteforceAdmissionInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a prefix with a successful login stays known for that login (never slowed by the budget).</summary>
    public TimeSpan BruteforceKnownPrefixTtl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Whether logins that differ only in case are one login for throttling, Auth-Wait and session limits. The auth
    /// server still receives the login exactly as the client sent it; leading and trailing spaces never count.
    /// </summary>
    public LoginCase LoginCase { get; init; } = LoginCase.Insensitive;

    /// <summary>Client networks never throttled (a webmail front that logs everybody in from one address).</summary>
    public IReadOnlyList<IPNetwork> TrustedNetworks { get; init; } = [];

    /// <summary>
    /// The key for the secrets' keyed hashes, shared by every silo (base64, at least 32 bytes). Unset: each silo
    /// process draws a random key, so a grain that moves counts the secrets it had seen as new ones (stricter, never laxer).
    /// </summary>
    public byte[]? SecretHashKey { get; init; }

    /// <summary>
    /// Concurrent sessions one login may hold from one client address prefix, across every front end: Dovecot's
    /// <c>mail_max_userip_connections</c>, with its default of 10 (a mail client opens a few IMAP connections per
    /// account; ten from one place is a misbehaving client or a leak). 0 = off.
    /// </summary>
    public int SessionLimitPerLoginAddress { get; init; } = 10;

    /// <summary>Concurrent sessions one login may hold from anywhere. 0 = off (the default: a user's devices are not limited together).</summary>
    public int SessionLimitPerLogin { get; init; }

    /// <summary>
    /// Concurrent sessions from one client address prefix across every login. 0 = off (the default: NAT puts many
    /// users behind one address). Trusted networks are exempt (a webmail front logs everybody in from one address).
    /// </summary>
    public int SessionLimitPerAddress { get; init; }

    /// <summary>
    /// How long a session's slot is kept without a renewal. Front ends renew every third of it, so a front end that
    /// dies frees its slots within this time. Leases live in grain memory only.
    /// </summary>
    public TimeSpan SessionLeaseTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether any session limit is on; when none is, logins take no lease at all.</summary>
    public bool SessionLimits => SessionLimitPerLoginAddress > 0 || SessionLimitPerLogin > 0 || SessionLimitPerAddress > 0;

    /// <summary>Reads and validates the section; a bad value stops start-up naming the key.</summary>
    public static LoginPolicySettings From(IConfiguration configuration)
    {
        var section = SettingsSection.Of(configuration, SectionName, SettingsSection.SnakeCase);
        var defaults = new LoginPolicySettings();
        var settings = new LoginPolicySettings
        {
            AuthCacheTtl = section.Time("AuthCacheTtl", defaults.AuthCacheTtl),
            AuthCacheTokenTtl = section.Time("AuthCacheTokenTtl", defaults.AuthCacheTokenTtl),
            AuthCacheNegativeTtl = section.Time("AuthCacheNegativeTtl", defaults.AuthCacheNegativeTtl),
            AuthCacheStaleIfError = section.Time("AuthCacheStaleIfError", defaults.AuthCacheStaleIfError),
            AuthCacheClientAddress = section.Bool("AuthCacheClientAddress", defaults.AuthCacheClientAddress),
            AuthCacheDigestLocal = section.Bool("AuthCacheDigestLocal", defaults.AuthCacheDigestLocal),
            BruteforceLoginThreshold = section.Int("BruteforceLoginThreshold", defaults.BruteforceLoginThreshold, 0, 100_000),
            BruteforceAddressThreshold = section.Int("BruteforceAddressThreshold", defaults.BruteforceAddressThreshold, 0, 100_000),
            BruteforceWindow = section.Time("BruteforceWindow", defaults.BruteforceWindow),
            BruteforceDelay = section.Time("BruteforceDelay", defaults.BruteforceDelay),
            BruteforceDelayMax = section.Time("BruteforceDelayMax", defaults.BruteforceDelayMax),
            BruteforceIpv4Prefix = section.Int("BruteforceIpv4Prefix", defaults.BruteforceIpv4Prefix, 1, 32),
            BruteforceIpv6Prefix = section.Int("BruteforceIpv6Prefix", defaults.BruteforceIpv6Prefix, 1, 128),
            BruteforceRepeatWindow = section.Time("BruteforceRepeatWindow", defaults.BruteforceRepeatWindow),
            BruteforceLoginBudget = section.Int("BruteforceLoginBudget", defaults.BruteforceLoginBudget, 0, 1_000_000),
            BruteforceLoginBudgetWindow = section.Time("BruteforceLoginBudgetWindow", defaults.BruteforceLoginBudgetWindow, TimeSpan.FromSeconds(1)),
            BruteforceAdmissionInterval = section.Time("BruteforceAdmissionInterval", defaults.BruteforceAdmissionInterval),
            BruteforceKnownPrefixTtl = section.Time("BruteforceKnownPrefixTtl", defaults.BruteforceKnownPrefixTtl),
            LoginCase = section.Choice("LoginCase", defaults.LoginCase, ("insensitive", LoginCase.Insensitive), ("sensitive", LoginCase.Sensitive)),
            TrustedNetworks = Networks(section),
            SecretHashKey = Key(section),
            SessionLimitPerLoginAddress = section.Int("SessionLimitPerLoginAddress", defaults.SessionLimitPerLoginAddress, 0, 1_000_000),
            SessionLimitPerLogin = section.Int("SessionLimitPerLogin", defaults.SessionLimitPerLogin, 0, 1_000_000),
            SessionLimitPerAddress = section.Int("SessionLimitPerAddress", defaults.SessionLimitPerAddress, 0, 1_000_000),
            SessionLeaseTtl = section.Time("SessionLeaseTtl", defaults.SessionLeaseTtl, TimeSpan.FromSeconds(1)),
        };
        section.RefuseUnknownKeys();
        return settings;
    }

    private static IReadOnlyList<IPNetwork> Networks(SettingsSection section)
    {
        const string key = "TrustedNetworks";
        var texts = section.List(key, []);
        var networks = new List<IPNetwork>(texts.Count);
        foreach (var text in texts)
        {
            var trimmed = text.Trim();
            if (IPNetwork.TryParse(trimmed, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(trimmed, out var address))
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
                throw section.Invalid(key, text, "expected an address or a network such as 10.0.0.0/8 or 2001:db8::/32");
        }
        return networks;
    }

    private static byte[]? Key(SettingsSection section)
    {
        const string key = "SecretHashKey";
        var value = section.Get(key);
        if (string.IsNullOrWhiteSpace(value)) return null;
        byte[] bytes;
        try { bytes = Convert.FromBase64String(value.Trim()); }
        catch (FormatException) { throw section.Invalid(key, "(hidden)", "expected base64"); }
        return bytes.Length >= 32 ? bytes : throw section.Invalid(key, "(hidden)", "expected at least 32 bytes of key");
    }
}
