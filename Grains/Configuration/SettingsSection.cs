using System.Globalization;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Configuration;

/// <summary>
/// The one reader of every configuration section (<c>Mail</c>, <c>Cluster</c>, <c>LoginPolicy</c>, <c>UpstreamPools</c>,
/// <c>Metrics</c>, …), with one grammar (README "Configuration"):
/// <list type="bullet">
/// <item>times in nginx's notation, <c>500ms</c>, <c>60s</c>, <c>15m</c>, <c>1h30m</c>, a bare number being seconds
/// (ngx_parse_time, src/core/ngx_parse.c); sizes as <c>4096</c>, <c>16k</c>, <c>1m</c> (ngx_parse_size);</item>
/// <item>booleans <c>on</c>/<c>off</c> (nginx's flag, ngx_conf_set_flag_slot in src/core/ngx_conf_file.c) or JSON's
/// <c>true</c>/<c>false</c>, in any case, and nothing else;</item>
/// <item>whole numbers as digits only (ngx_atoi);</item>
/// <item>lists as a JSON array, or one string whose items are separated by spaces or commas;</item>
/// <item>a key written in PascalCase or, where the section has one, as its nginx-style directive name;</item>
/// <item>every unusable value, and every key the section does not know, stops start-up with one
/// <see cref="InvalidConfigurationException"/> naming the full key, the value and what was expected.</item>
/// </list>
/// A section may inherit from others (a <c>Mail:Servers:N</c> server from <c>Mail</c>, as nginx's server{} from mail{}):
/// a key is looked up in each, most specific first. The reader remembers the keys it was asked for, so
/// <see cref="RefuseUnknownKeys(string[])"/> knows exactly the keys the section's reader reads.
/// </summary>
public class SettingsSection
{
    private readonly IConfiguration _home;
    private readonly IReadOnlyList<IConfiguration> _lookup;
    private readonly Func<string, string?> _alias;
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="home">The section errors name when a key is set nowhere, and whose keys <see cref="RefuseUnknownKeys(string[])"/> checks.</param>
    /// <param name="lookup">Where a key is looked up, most specific first; <paramref name="home"/> alone when null.</param>
    /// <param name="alias">A key's nginx-style name (<see cref="SnakeCase"/>), or null when it has none.</param>
    public SettingsSection(IConfigurationSection home, IReadOnlyList<IConfigurationSection>? lookup = null, Func<string, string?>? alias = null)
        : this((IConfiguration)home, lookup, alias)
    {
    }

    private SettingsSection(IConfiguration home, IReadOnlyList<IConfiguration>? lookup, Func<string, string?>? alias)
    {
        _home = home;
        _lookup = lookup ?? [home];
        _alias = alias ?? (_ => null);
    }

    /// <summary>The top-level section <paramref name="name"/> of <paramref name="configuration"/>.</summary>
    public static SettingsSection Of(IConfiguration configuration, string name, Func<string, string?>? alias = null) =>
        new(configuration.GetSection(name), alias: alias);

    /// <summary>
    /// The top-level keys (<c>ShutdownTimeout</c>, <c>WorkerConnections</c>), read with the same grammar. The root also
    /// holds environment variables and .NET's own sections, so <see cref="RefuseUnknownKeys(string[])"/> is not for it.
    /// </summary>
    public static SettingsSection Root(IConfiguration configuration) => new(configuration, null, null);

    /// <summary>The nginx-style name of a PascalCase key: <c>AuthCacheTtl</c> → <c>auth_cache_ttl</c>, <c>BruteforceIpv4Prefix</c> → <c>bruteforce_ipv4_prefix</c>.</summary>
    public static string SnakeCase(string key) =>
        string.Concat(key.Select((c, i) => i > 0 && char.IsAsciiLetterUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>The section's own path, e.g. <c>LoginPolicy</c> or <c>Mail:Servers:0</c>.</summary>
    public string Path => _home is IConfigurationSection section ? section.Path : "";

    /// <summary>The configuration section that holds <paramref name="key"/> (under either name), most specific first; null when none does.</summary>
    protected IConfigurationSection? Find(string key)
    {
        _read.Add(key);
        var nginx = _alias(key);
        if (nginx is not null) _read.Add(nginx);
        foreach (var section in _lookup)
        {
            if (section.GetSection(key) is { } found && found.Exists()) return found;
            if (nginx is not null && section.GetSection(nginx) is { } aliased && aliased.Exists()) return aliased;
        }
        return null;
    }

    /// <summary>The full path of <paramref name="key"/> as written, or under the home section when it is set nowhere.</summary>
    public string KeyPath(string key) => Find(key)?.Path ?? (Path.Length > 0 ? $"{Path}:{key}" : key);

    public InvalidConfigurationException Invalid(string key, string? value, string reason) => new(KeyPath(key), value, reason);

    /// <summary>The value as written, or null when the key is not set.</summary>
    public string? Get(string key) => Find(key)?.Value;

    /// <summary>A sub-section (e.g. <c>Cluster:Tls</c>), read by its own <see cref="SettingsSection"/>; marks the key as known.</summary>
    public IConfigurationSection Child(string key) => Find(key) ?? _home.GetSection(key);

    /// <summary>A time in nginx's notation (<see cref="NginxValueParser.TryParseTime"/>), at least <paramref name="minimum"/>.</summary>
    public TimeSpan Time(string key, TimeSpan fallback, TimeSpan? minimum = null)
    {
        var text = Get(key);
        if (text is null) return fallback;
        var least = minimum ?? TimeSpan.Zero;
        if (NginxValueParser.TryParseTime(text, out var value) && value >= least) return value;
        throw Invalid(key, text, least > TimeSpan.Zero
            ? $"expected a time of at least {NginxTime(least)}, such as 500ms, 60s, 15m or 1h"
            : "expected a time such as 0, 500ms, 60s, 15m or 1h");
    }

    /// <summary>
    /// A size, as nginx's ngx_conf_set_size_slot() takes it: any value ngx_parse_size() reads, 0 included. The buffers
    /// are longest-line limits, not allocations, so a value beyond 2 GB means the same as 2 GB.
    /// </summary>
    public int Size(string key, int fallback)
    {
        var text = Get(key);
        if (text is null) return fallback;
        if (!NginxValueParser.TryParseAnySize(text, out var value)) throw Invalid(key, text, "expected a size such as 4096, 4k, 1m");
        return (int)Math.Min(value, int.MaxValue);
    }

    /// <summary>
    /// A whole number, digits only (nginx's ngx_atoi, no sign), from <paramref name="min"/> to <paramref name="max"/>.
    /// Without a maximum a number too large for an int means "no limit" (int.MaxValue), as nginx's num slots are used.
    /// </summary>
    public int Int(string key, int fallback, int min, int max = int.MaxValue)
    {
        var text = Get(key);
        if (text is null) return fallback;
        var digits = text.Trim();
        if (digits.Length > 0 && digits.All(char.IsAsciiDigit))
        {
            var value = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
            if (max == int.MaxValue) value = Math.Min(value, int.MaxValue);
            if (value >= min && value <= max) return (int)value;
        }
        throw Invalid(key, text, max == int.MaxValue ? $"expected a whole number >= {min}" : $"expected a whole number {min}-{max}");
    }

    /// <summary>A boolean: <c>on</c>/<c>off</c> as nginx's flags, or <c>true</c>/<c>false</c> as JSON's, in any case.</summary>
    public bool Bool(string key, bool fallback) => OptionalBool(key) ?? fallback;

    /// <summary>A boolean, or null when the key is not set (a setting whose default depends on other settings).</summary>
    public bool? OptionalBool(string key)
    {
        var text = Get(key);
        return text?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "on" or "true" => true,
            "off" or "false" => false,
            _ => throw Invalid(key, text, "expected on or off (or true or false)"),
        };
    }

    /// <summary>One of a fixed set of words, in any case (<c>off</c>, <c>on</c>, <c>v2</c>); the error lists them.</summary>
    public T Choice<T>(string key, T fallback, params (string Word, T Value)[] choices)
    {
        var text = Get(key);
        if (text is null) return fallback;
        foreach (var (word, value) in choices)
            if (text.Trim().Equals(word, StringComparison.OrdinalIgnoreCase)) return value;
        throw Invalid(key, text, "expected " + Words(choices.Select(c => c.Word).ToList()));
    }

    /// <summary>A list: the items of a JSON array, or one string whose items are separated by spaces or commas.</summary>
    public IReadOnlyList<string> List(string key, IReadOnlyList<string> fallback)
    {
        var section = Find(key);
        if (section is null) return fallback;
        var children = section.GetChildren().ToList();
        if (children.Count > 0) return children.Select(c => (c.Value ?? "").Trim()).Where(v => v.Length > 0).ToList();
        return (section.Value ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// A misspelt key would otherwise be a setting silently left at its default: every key of the home section that
    /// the reader has not asked for (nor listed in <paramref name="alsoKnown"/>: keys another reader reads) is refused.
    /// Call it once the section has been read.
    /// </summary>
    public void RefuseUnknownKeys(params string[] alsoKnown) =>
        RefuseUnknownKeys(_home as IConfigurationSection ?? throw new InvalidOperationException("the root holds keys of other sources too"), _read.Concat(alsoKnown).ToHashSet(StringComparer.OrdinalIgnoreCase), "unknown setting; see the README's table of this section");

    /// <summary>Refuses every key of <paramref name="section"/> not in <paramref name="known"/>, naming the first one found.</summary>
    public static void RefuseUnknownKeys(IConfigurationSection section, IReadOnlySet<string> known, string reason)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key))
                throw new InvalidConfigurationException(child.Path, child.Value, reason);
        }
    }

    private static string Words(IReadOnlyList<string> words) =>
        words.Count == 1 ? words[0] : string.Join(", ", words.Take(words.Count - 1)) + " or " + words[^1];

    private static string NginxTime(TimeSpan time) =>
        time.TotalMilliseconds % 1000 == 0 ? $"{time.TotalSeconds}s" : $"{time.TotalMilliseconds}ms";
}
