using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;

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

    /// <summary>Read by the Silo alone (Silo/Kubernetes/KubernetesHosting.cs), known here so both processes accept one file.</summary>
    public const string KubernetesKey = "Kubernetes";

    /// <summary>Reads and validates the section; a bad value stops start-up naming the key.</summary>
    public static ClusterSettings From(IConfiguration configuration, ClusterMode defaultMode)
    {
        var section = SettingsSection.Of(configuration, SectionName, key => key == "AllowedAuthServers" ? "allowed_auth_servers" : null);
        var mode = string.IsNullOrWhiteSpace(section.Get("Mode"))
            ? defaultMode
            : section.Choice("Mode", defaultMode, Enum.GetValues<ClusterMode>().Select(m => (m.ToString(), m)).ToArray());

        var redis = section.Get("Redis");
        if (mode == ClusterMode.Redis && string.IsNullOrWhiteSpace(redis))
            throw section.Invalid("Redis", redis, "Redis clustering needs a Redis connection string, e.g. 127.0.0.1:6379");
        if (mode == ClusterMode.Redis)
        {
            // The error shows the connection string and the parser's reason without the password (README "Cluster").
            try { StackExchange.Redis.ConfigurationOptions.Parse(redis!); }
            catch (Exception e)
            {
                throw section.Invalid("Redis", RedisConnectionString.Redacted(redis), RedisConnectionString.Scrub(e.Message, redis!));
            }
        }

        section.Child("Tls");
        var settings = new ClusterSettings(
            mode,
            redis,
            NonEmpty(section, "ServiceId", "orleansmail"),
            NonEmpty(section, "ClusterId", "default"),
            section.Int("SiloPort", 11111, 0, 65535),
            section.Int("GatewayPort", 30000, 0, 65535),
            Address(section, "AdvertisedIp"))
        {
            ProbeTimeout = section.Time("ProbeTimeout", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100)),
            MissedProbesLimit = section.Int("MissedProbesLimit", 3, 1, 10),
            LoginRetryBudget = section.Time("LoginRetryBudget", TimeSpan.FromSeconds(10)),
            Tls = ClusterTlsSettings.From(configuration, mode),
            RedisTlsCa = RedisCa(section, mode == ClusterMode.Redis ? redis : null),
            AllowedAuthServers = AuthServers(section),
        };
        section.RefuseUnknownKeys(KubernetesKey);
        return settings;
    }

    private static PrivateCa? RedisCa(SettingsSection section, string? redis)
    {
        var path = section.Get("RedisTlsCa");
        if (string.IsNullOrWhiteSpace(path)) return null;
        // Without ssl=true the CA would silently protect nothing.
        if (redis is not null && !StackExchange.Redis.ConfigurationOptions.Parse(redis).Ssl)
            throw section.Invalid("RedisTlsCa", path, $"{SectionName}:Redis has no ssl=true, so there is no server certificate to check");
        return PrivateCa.Load(section.KeyPath("RedisTlsCa"), path.Trim());
    }

    private static IReadOnlyList<string> AuthServers(SettingsSection section)
    {
        var items = section.List("AllowedAuthServers", []);
        foreach (var item in items)
            if (!AuthHttp.AuthServerUrl.TryNormalize(item, out _))
                throw section.Invalid("AllowedAuthServers", item, "expected auth_http URLs such as http://auth.internal:9000/auth");
        return items;
    }

    private static string NonEmpty(SettingsSection section, string key, string fallback)
    {
        var value = section.Get(key);
        if (value is null) return fallback;
        if (value.Trim().Length == 0) throw section.Invalid(key, value, "must not be empty");
        return value.Trim();
    }

    private static System.Net.IPAddress? Address(SettingsSection section, string key)
    {
        var value = section.Get(key);
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!System.Net.IPAddress.TryParse(value, out var address))
            throw section.Invalid(key, value, "expected an IP address that other silos and front ends can reach");
        return address;
    }
}
