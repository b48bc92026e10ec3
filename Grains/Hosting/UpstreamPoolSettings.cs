using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Upstreams;
using OrleansMail.Grains.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// The <c>UpstreamPools</c> section (README "Upstream pools"): per protocol, the upstreams the login grains choose from
/// when the auth server names none (nginx would fail the login: "auth http server did not send server or port"), or
/// always when <see cref="Prefer"/> is on; and the health checks of those upstreams. Silo-side: the grains decide.
/// Keys in PascalCase or as nginx-style directives (<c>imap_upstream_pool 10.0.0.1:143 10.0.0.2:143;</c>).
/// </summary>
public sealed record UpstreamPoolSettings
{
    public const string SectionName = "UpstreamPools";

    public IReadOnlyList<PoolUpstream> Imap { get; init; } = [];

    public IReadOnlyList<PoolUpstream> Pop3 { get; init; } = [];

    public IReadOnlyList<PoolUpstream> Smtp { get; init; } = [];

    /// <summary>Use the pool even when the auth server sends Auth-Server/Auth-Port (the operator's choice); its Auth-User and Auth-Pass still apply.</summary>
    public bool Prefer { get; init; }

    /// <summary>How many upstreams of the pool a front end tries, best first, when connecting fails (the decision carries them).</summary>
    public int Tries { get; init; } = 3;

    /// <summary>How often each upstream's grain probes it (connect and read the greeting).</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a probe may take to connect and read the greeting.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Consecutive failures (probes and reported connect failures) that mark an upstream down.</summary>
    public int CheckFails { get; init; } = 2;

    /// <summary>Consecutive successful probes that mark a down upstream up again.</summary>
    public int CheckPasses { get; init; } = 2;

    /// <summary>
    /// How often each silo's health cache copies the upstreams' states: the check interval, at most one second, so a
    /// drain or a verdict reaches every silo within that time while a login never waits for a remote call.
    /// </summary>
    public TimeSpan CacheRefresh => CheckInterval < TimeSpan.FromSeconds(1) ? CheckInterval : TimeSpan.FromSeconds(1);

    /// <summary>The protocol's pool; empty when none is configured.</summary>
    public IReadOnlyList<PoolUpstream> Pool(MailProtocol protocol) => protocol switch
    {
        MailProtocol.Imap => Imap,
        MailProtocol.Pop3 => Pop3,
        MailProtocol.Smtp => Smtp,
        _ => [],
    };

    /// <summary>Every pool upstream with its protocol.</summary>
    public IEnumerable<(MailProtocol Protocol, PoolUpstream Upstream)> All() =>
        Enum.GetValues<MailProtocol>().SelectMany(p => Pool(p).Select(u => (p, u)));

    /// <summary>The nginx-style directive of each key (they name the pool, so they are not the keys in snake case).</summary>
    private static readonly Dictionary<string, string> NginxNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Imap"] = "imap_upstream_pool", ["Pop3"] = "pop3_upstream_pool", ["Smtp"] = "smtp_upstream_pool",
        ["Prefer"] = "upstream_pool_prefer", ["Tries"] = "upstream_pool_tries",
        ["CheckInterval"] = "upstream_check_interval", ["CheckTimeout"] = "upstream_check_timeout",
        ["CheckFails"] = "upstream_check_fails", ["CheckPasses"] = "upstream_check_passes",
    };

    /// <summary>Reads and validates the section; a bad value stops start-up naming the key.</summary>
    public static UpstreamPoolSettings From(IConfiguration configuration)
    {
        var section = SettingsSection.Of(configuration, SectionName, key => NginxNames.GetValueOrDefault(key));
        var defaults = new UpstreamPoolSettings();
        var settings = new UpstreamPoolSettings
        {
            Imap = Upstreams(section, "Imap"),
            Pop3 = Upstreams(section, "Pop3"),
            Smtp = Upstreams(section, "Smtp"),
            Prefer = section.Bool("Prefer", defaults.Prefer),
            Tries = section.Int("Tries", defaults.Tries, 1, 16),
            CheckInterval = section.Time("CheckInterval", defaults.CheckInterval, TimeSpan.FromMilliseconds(1)),
            CheckTimeout = section.Time("CheckTimeout", defaults.CheckTimeout, TimeSpan.FromMilliseconds(1)),
            CheckFails = section.Int("CheckFails", defaults.CheckFails, 1, 100),
            CheckPasses = section.Int("CheckPasses", defaults.CheckPasses, 1, 100),
        };
        section.RefuseUnknownKeys();
        return settings;
    }

    private static IReadOnlyList<PoolUpstream> Upstreams(SettingsSection section, string key)
    {
        var items = section.List(key, []);
        var pool = new List<PoolUpstream>(items.Count);
        foreach (var item in items)
        {
            if (!PoolUpstream.TryParse(item, out var upstream))
                throw section.Invalid(key, item, "expected host:port, e.g. 10.0.0.2:143 or [2001:db8::2]:143");
            if (pool.Any(u => u.Address == upstream.Address))
                throw section.Invalid(key, item, "listed twice");
            pool.Add(upstream);
        }
        return pool;
    }
}
