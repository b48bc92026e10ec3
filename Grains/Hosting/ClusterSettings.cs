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
            try { StackExchange.Redis.ConfigurationOptions.Parse(redis!); }
            catch (Exception e) { throw new InvalidConfigurationException($"{SectionName}:Redis", redis, e.Message); }
        }

        return new ClusterSettings(
            mode,
            redis,
            NonEmpty(section, "ServiceId", "orleansmail"),
            NonEmpty(section, "ClusterId", "default"),
            Port(section, "SiloPort", 11111),
            Port(section, "GatewayPort", 30000),
            Address(section, "AdvertisedIp"));
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
