using System.Net;
using Microsoft.Extensions.Configuration;
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
        var section = configuration.GetSection(SectionName);
        var defaults = new LoginPolicySettings();
        return new LoginPolicySettings
        {
            AuthCacheTtl = Time(section, "AuthCacheTtl", "auth_cache_ttl", defaults.AuthCacheTtl),
            AuthCacheTokenTtl = Time(section, "AuthCacheTokenTtl", "auth_cache_token_ttl", defaults.AuthCacheTokenTtl),
            AuthCacheNegativeTtl = Time(section, "AuthCacheNegativeTtl", "auth_cache_negative_ttl", defaults.AuthCacheNegativeTtl),
            AuthCacheStaleIfError = Time(section, "AuthCacheStaleIfError", "auth_cache_stale_if_error", defaults.AuthCacheStaleIfError),
            AuthCacheClientAddress = Flag(section, "AuthCacheClientAddress", "auth_cache_client_address", defaults.AuthCacheClientAddress),
            AuthCacheDigestLocal = Flag(section, "AuthCacheDigestLocal", "auth_cache_digest_local", defaults.AuthCacheDigestLocal),
            BruteforceLoginThreshold = Number(section, "BruteforceLoginThreshold", "bruteforce_login_threshold", defaults.BruteforceLoginThreshold, 0, 100_000),
            BruteforceAddressThreshold = Number(section, "BruteforceAddressThreshold", "bruteforce_address_threshold", defaults.BruteforceAddressThreshold, 0, 100_000),
            BruteforceWindow = Time(section, "BruteforceWindow", "bruteforce_window", defaults.BruteforceWindow),
            BruteforceDelay = Time(section, "BruteforceDelay", "bruteforce_delay", defaults.BruteforceDelay),
            BruteforceDelayMax = Time(section, "BruteforceDelayMax", "bruteforce_delay_max", defaults.BruteforceDelayMax),
            BruteforceIpv4Prefix = Number(section, "BruteforceIpv4Prefix", "bruteforce_ipv4_prefix", defaults.BruteforceIpv4Prefix, 1, 32),
            BruteforceIpv6Prefix = Number(section, "BruteforceIpv6Prefix", "bruteforce_ipv6_prefix", defaults.BruteforceIpv6Prefix, 1, 128),
            BruteforceRepeatWindow = Time(section, "BruteforceRepeatWindow", "bruteforce_repeat_window", defaults.BruteforceRepeatWindow),
            BruteforceLoginBudget = Number(section, "BruteforceLoginBudget", "bruteforce_login_budget", defaults.BruteforceLoginBudget, 0, 1_000_000),
            BruteforceLoginBudgetWindow = AtLeastOneSecond(section, "BruteforceLoginBudgetWindow", "bruteforce_login_budget_window", defaults.BruteforceLoginBudgetWindow),
            BruteforceAdmissionInterval = Time(section, "BruteforceAdmissionInterval", "bruteforce_admission_interval", defaults.BruteforceAdmissionInterval),
            BruteforceKnownPrefixTtl = Time(section, "BruteforceKnownPrefixTtl", "bruteforce_known_prefix_ttl", defaults.BruteforceKnownPrefixTtl),
            LoginCase = Case(section, "LoginCase", "login_case", defaults.LoginCase),
            TrustedNetworks = Networks(section, "TrustedNetworks", "trusted_networks"),
            SecretHashKey = Key(section, "SecretHashKey", "secret_hash_key"),
            SessionLimitPerLoginAddress = Number(section, "SessionLimitPerLoginAddress", "session_limit_per_login_address", defaults.SessionLimitPerLoginAddress, 0, 1_000_000),
            SessionLimitPerLogin = Number(section, "SessionLimitPerLogin", "session_limit_per_login", defaults.SessionLimitPerLogin, 0, 1_000_000),
            SessionLimitPerAddress = Number(section, "SessionLimitPerAddress", "session_limit_per_address", defaults.SessionLimitPerAddress, 0, 1_000_000),
            SessionLeaseTtl = AtLeastOneSecond(section, "SessionLeaseTtl", "session_lease_ttl", defaults.SessionLeaseTtl),
        };
    }

    // The readers are shared with the UpstreamPools section (SettingsValues); these names keep the list above short.
    private static TimeSpan Time(IConfigurationSection section, string pascal, string nginx, TimeSpan fallback) =>
        SettingsValues.Time(section, pascal, nginx, fallback);

    private static bool Flag(IConfigurationSection section, string pascal, string nginx, bool fallback) =>
        SettingsValues.Flag(section, pascal, nginx, fallback);

    /// <summary>A time of at least a second: a lease renewed every third of its life must outlive a grain call.</summary>
    private static TimeSpan AtLeastOneSecond(IConfigurationSection section, string pascal, string nginx, TimeSpan fallback)
    {
        var time = Time(section, pascal, nginx, fallback);
        if (time >= TimeSpan.FromSeconds(1)) return time;
        var (key, value) = SettingsValues.Find(section, pascal, nginx);
        throw new InvalidConfigurationException(key, value!, "expected a time of at least 1s");
    }

    private static LoginCase Case(IConfigurationSection section, string pascal, string nginx, LoginCase fallback)
    {
        var (key, value) = SettingsValues.Find(section, pascal, nginx);
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" => fallback,
            "insensitive" => LoginCase.Insensitive,
            "sensitive" => LoginCase.Sensitive,
            _ => throw new InvalidConfigurationException(key, value, "expected insensitive or sensitive"),
        };
    }

    private static int Number(IConfigurationSection section, string pascal, string nginx, int fallback, int min, int max) =>
        SettingsValues.Number(section, pascal, nginx, fallback, min, max);

    /// <summary>A list: either the children of the key (JSON array) or one value separated by spaces or commas.</summary>
    private static IReadOnlyList<IPNetwork> Networks(IConfigurationSection section, string pascal, string nginx)
    {
        var (key, texts) = SettingsValues.List(section, pascal, nginx);
        var networks = new List<IPNetwork>(texts.Count);
        foreach (var text in texts)
        {
            var trimmed = text.Trim();
            if (IPNetwork.TryParse(trimmed, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(trimmed, out var address))
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
                throw new InvalidConfigurationException(key, text, "expected an address or a network such as 10.0.0.0/8 or 2001:db8::/32");
        }
        return networks;
    }

    private static byte[]? Key(IConfigurationSection section, string pascal, string nginx)
    {
        var (key, value) = SettingsValues.Find(section, pascal, nginx);
        if (string.IsNullOrWhiteSpace(value)) return null;
        byte[] bytes;
        try { bytes = Convert.FromBase64String(value.Trim()); }
        catch (FormatException) { throw new InvalidConfigurationException(key, "(hidden)", "expected base64"); }
        return bytes.Length >= 32 ? bytes : throw new InvalidConfigurationException(key, "(hidden)", "expected at least 32 bytes of key");
    }
}
