using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// Reads the silo-side sections (<c>LoginPolicy</c>, <c>UpstreamPools</c>): every key may be written in PascalCase
/// (<c>CheckInterval</c>) or as its nginx-style directive (<c>upstream_check_interval</c>); times take nginx's
/// suffixes. A bad value stops start-up with an <see cref="InvalidConfigurationException"/> naming the key.
/// </summary>
internal static class SettingsValues
{
    public static (string Key, string? Value) Find(IConfigurationSection section, string pascal, string nginx)
    {
        if (section[pascal] is { } value) return ($"{section.Path}:{pascal}", value);
        return ($"{section.Path}:{nginx}", section[nginx]);
    }

    public static TimeSpan Time(IConfigurationSection section, string pascal, string nginx, TimeSpan fallback)
    {
        var (key, value) = Find(section, pascal, nginx);
        if (value is null) return fallback;
        return NginxValueParser.TryParseTime(value, out var time)
            ? time
            : throw new InvalidConfigurationException(key, value, "expected a time such as 0, 500ms, 60s, 15m or 1h");
    }

    public static bool Flag(IConfigurationSection section, string pascal, string nginx, bool fallback)
    {
        var (key, value) = Find(section, pascal, nginx);
        return value?.Trim().ToLowerInvariant() switch
        {
            null => fallback,
            "on" or "true" => true,
            "off" or "false" => false,
            _ => throw new InvalidConfigurationException(key, value, "expected on or off"),
        };
    }

    public static int Number(IConfigurationSection section, string pascal, string nginx, int fallback, int min, int max)
    {
        var (key, value) = Find(section, pascal, nginx);
        if (value is null) return fallback;
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            throw new InvalidConfigurationException(key, value, $"expected a whole number {min}-{max}");
        return number;
    }

    /// <summary>A list: either the children of the key (JSON array) or one value separated by spaces or commas (a directive's arguments).</summary>
    public static (string Key, IReadOnlyList<string> Items) List(IConfigurationSection section, string pascal, string nginx)
    {
        var child = section.GetSection(pascal).GetChildren().Any() || section[pascal] is not null ? section.GetSection(pascal) : section.GetSection(nginx);
        var items = child.GetChildren().Select(c => (c.Value ?? "").Trim()).ToList();
        if (items.Count == 0 && child.Value is { } single)
            items = single.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).ToList();
        return (child.Path, items);
    }
}
