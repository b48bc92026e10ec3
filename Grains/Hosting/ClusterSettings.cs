using Microsoft.Extensions.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>The <c>Cluster</c> configuration section, shared by Silo and Frontend.</summary>
public sealed record ClusterSettings(
    ClusterMode Mode,
    string? Redis,
    string ServiceId,
    string ClusterId,
    int SiloPort,
    int GatewayPort,
    System.Net.IPAddress? AdvertisedIp)
{
    /// <summary>
    /// How long a silo waits for a probe answer before counting it missed (Orleans' <c>ProbeTimeout</c>). Orleans'
    /// default of 5 s, times three missed probes, plus the vote, kept a dead silo's users unable to log in for
    /// 10-15 s (Orleans' default ClusterMembershipOptions; learn.microsoft.com/dotnet/orleans/implementation/cluster-management); 2 s brings that to about 6-8 s, while a loaded node still answers a probe in 2 s.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a silo suspects another (Orleans' <c>NumMissedProbesLimit</c>, default 3).</summary>
    public int MissedProbesLimit { get; init; } = 3;

    /// <summary>
    /// How long a front end keeps retrying a login's grain call that failed because a silo died (with backoff), before
    /// answering the temporary failure. Covers detection (<see cref="ProbeTimeout"/> × <see cref="MissedProbesLimit"/>)
    /// and reactivation elsewhere, so a silo crash delays logins instead of failing them.
    /// </summary>
    public TimeSpan LoginRetryBudget { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Cluster:Tls:*</c>: TLS with mutual certificate authentication on the Orleans transport.</summary>
    public ClusterTlsSettings Tls { get; init; } = ClusterTlsSettings.Off;

    /// <summary><c>Cluster:RedisTlsCa</c>: the private CA the Redis server's certificate must chain to; null = the system's roots.</summary>
    public PrivateCa? RedisTlsCa { get; init; }

    /// <summary>
    /// <c>Cluster:AllowedAuthServers</c>: the only auth_http URLs a login attempt may name; empty = any (the front ends
    /// are trusted to send their configured one).
    /// </summary>
    public IReadOnlyList<string> AllowedAuthServers { get; init; } = [];

    public const string SectionName = "Cluster";

    /// <summary>Reads and validates the section; a bad value stops start-up naming the key.</summary>
    public static ClusterSettings From(IConfiguration configuration, ClusterMode defaultMode)
    {
        var section = configuration.GetSection(SectionName);
        var modeText = section["Mode"];
        var mode = defaultMode;
        if (!string.IsNullOrWhiteSpace(modeText) && !Enum.TryParse(modeText, ignoreCase: true, out mode))
            throw new InvalidConfigurationException($"{SectionName}:Mode", modeText, "expected Embedded, Localhost or Redis");

        var redis = section["Redis"];
        if (mode == ClusterMode.Redis && string.IsNullOrWhiteSpace(redis))
            throw new InvalidConfigurationException($"{SectionName}:Redis", redis, "Redis clustering needs a Redis connection string, e.g. 127.0.0.1:6379");
        if (mode == ClusterMode.Redis)
        {
            // The error shows the connection string and the parser's reason without the password (README "Cluster").
            try { StackExchange.Redis.ConfigurationOptions.Parse(redis!); }
            catch (Exception e)
            {
                throw new InvalidConfigurationException($"{SectionName}:Redis", RedisConnectionString.Redacted(redis), RedisConnectionString.Scrub(e.Message, redis!));
            }
        }

        return new ClusterSettings(
            mode,
            redis,
            NonEmpty(section, "ServiceId", "orleansmail"),
            NonEmpty(section, "ClusterId", "default"),
            Port(section, "SiloPort", 11111),
            Port(section, "GatewayPort", 30000),
            Address(section, "AdvertisedIp"))
        {
            ProbeTimeout = Time(section, "ProbeTimeout", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100)),
            MissedProbesLimit = Count(section, "MissedProbesLimit", 3, 1, 10),
            LoginRetryBudget = Time(section, "LoginRetryBudget", TimeSpan.FromSeconds(10), TimeSpan.Zero),
            Tls = ClusterTlsSettings.From(configuration, mode),
            RedisTlsCa = RedisCa(section, mode == ClusterMode.Redis ? redis : null),
            AllowedAuthServers = AuthServers(section),
        };
    }

    private static PrivateCa? RedisCa(IConfigurationSection section, string? redis)
    {
        var path = section["RedisTlsCa"];
        if (string.IsNullOrWhiteSpace(path)) return null;
        // Without ssl=true the CA would silently protect nothing.
        if (redis is not null && !StackExchange.Redis.ConfigurationOptions.Parse(redis).Ssl)
            throw new InvalidConfigurationException($"{SectionName}:RedisTlsCa", path, $"{SectionName}:Redis has no ssl=true, so there is no server certificate to check");
        return PrivateCa.Load($"{SectionName}:RedisTlsCa", path.Trim());
    }

    private static IReadOnlyList<string> AuthServers(IConfigurationSection section)
    {
        var (key, items) = SettingsValues.List(section, "AllowedAuthServers", "allowed_auth_servers");
        foreach (var item in items)
            if (!AuthHttp.AuthServerUrl.TryNormalize(item, out _))
                throw new InvalidConfigurationException(key, item, "expected auth_http URLs such as http://auth.internal:9000/auth");
        return items;
    }

    private static TimeSpan Time(IConfigurationSection section, string key, TimeSpan fallback, TimeSpan minimum)
    {
        var value = section[key];
        if (value is null) return fallback;
        if (!NginxValueParser.TryParseTime(value, out var time) || time < minimum)
            throw new InvalidConfigurationException($"{SectionName}:{key}", value, $"expected a time of at least {minimum.TotalMilliseconds} ms, such as 500ms, 2s or 1m");
        return time;
    }

    private static int Count(IConfigurationSection section, string key, int fallback, int min, int max)
    {
        var value = section[key];
        if (value is null) return fallback;
        if (!int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count < min || count > max)
            throw new InvalidConfigurationException($"{SectionName}:{key}", value, $"expected a whole number {min}-{max}");
        return count;
    }

    private static string NonEmpty(IConfigurationSection section, string key, string fallback)
    {
        var value = section[key];
        if (value is null) return fallback;
        if (value.Trim().Length == 0) throw new InvalidConfigurationException($"{SectionName}:{key}", value, "must not be empty");
        return value.Trim();
    }

    private static System.Net.IPAddress? Address(IConfigurationSection section, string key)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!System.Net.IPAddress.TryParse(value, out var address))
            throw new InvalidConfigurationException($"{SectionName}:{key}", value, "expected an IP address that other silos and front ends can reach");
        return address;
    }

    private static int Port(IConfigurationSection section, string key, int fallback)
    {
        var value = section[key];
        if (value is null) return fallback;
        if (!int.TryParse(value, out var port) || port is < 0 or > 65535)
            throw new InvalidConfigurationException($"{SectionName}:{key}", value, "expected a port number 0-65535");
        return port;
    }
}
