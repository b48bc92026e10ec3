using System.Globalization;

namespace OrleansMail.Bench.Soak;

/// <summary>A Frontend under soak: its name (its pid file in the pids folder) and its IMAP, POP3 and SMTP ports.</summary>
internal sealed record SoakFrontend(string Name, int Imap, int Pop3, int Smtp);

/// <summary>
/// The soak driver's options (bench/soak.sh passes them): the run's length, the folder the script shares with it
/// (<c>pids/ROLE</c> files of the processes' current pids, <c>faults.tsv</c>, the auth server's
/// <c>auth-answers.tsv</c>), the Frontends, the Silos' admin API, and the login policy the cluster was started with,
/// whose figures are the bounds the invariants check.
/// </summary>
internal sealed record SoakOptions
{
    public required double Minutes { get; init; }
    public required string Work { get; init; }
    public required string OutPrefix { get; init; }
    public required IReadOnlyList<SoakFrontend> Frontends { get; init; }
    public required IReadOnlyList<string> AdminUrls { get; init; }
    public required string AdminToken { get; init; }
    public int IdleSessions { get; init; } = 100;
    public double LoadLoginsPerSecond { get; init; } = 20;
    public int LoginThreshold { get; init; } = 5;
    public int AddressThreshold { get; init; } = 20;
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);
    public int SessionLimitPerLogin { get; init; } = 3;
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public string Versions { get; init; } = "";

    /// <summary>
    /// The roles bench/soak.sh keeps out of the kill rotation (silo1, frontend1): long-lived references whose RSS trend is
    /// checked over the whole window and whose peak bounds the restarted processes of their kind (invariant (e)).
    /// </summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>The run counts as short (CI) below 10 minutes: trends over 2 minutes instead of 20.</summary>
    public bool Short => Minutes < 10;

    public static SoakOptions Parse(string[] args)
    {
        var values = new Dictionary<string, List<string>>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) throw new ArgumentException($"soak: bad option {args[i]}");
            if (!values.TryGetValue(args[i], out var list)) values[args[i]] = list = [];
            list.Add(args[i + 1]);
        }
        string One(string key) => values.TryGetValue(key, out var v) ? v[^1] : throw new ArgumentException($"soak: {key} is required");
        int Int(string key, int fallback) => values.ContainsKey(key) ? int.Parse(One(key), CultureInfo.InvariantCulture) : fallback;
        double Seconds(string key, double fallback) => values.ContainsKey(key) ? double.Parse(One(key), CultureInfo.InvariantCulture) : fallback;
        return new SoakOptions
        {
            Minutes = double.Parse(One("--minutes"), CultureInfo.InvariantCulture),
            Work = One("--work"),
            OutPrefix = One("--out"),
            Frontends = values.GetValueOrDefault("--frontend", []).Select(f =>
            {
                var p = f.Split(':');
                return new SoakFrontend(p[0], int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture),
                    int.Parse(p[3], CultureInfo.InvariantCulture));
            }).ToList(),
            AdminUrls = values.GetValueOrDefault("--admin", []),
            AdminToken = One("--admin-token"),
            IdleSessions = Int("--idle", 100),
            LoadLoginsPerSecond = Seconds("--load-rate", 20),
            LoginThreshold = Int("--login-threshold", 5),
            AddressThreshold = Int("--address-threshold", 20),
            Window = TimeSpan.FromSeconds(Seconds("--window-seconds", 60)),
            SessionLimitPerLogin = Int("--session-limit", 3),
            LeaseTtl = TimeSpan.FromSeconds(Seconds("--lease-ttl-seconds", 30)),
            RetryBudget = TimeSpan.FromSeconds(Seconds("--retry-budget-seconds", 10)),
            AuthTimeout = TimeSpan.FromSeconds(Seconds("--auth-timeout-seconds", 5)),
            Versions = values.ContainsKey("--versions") ? One("--versions") : "",
            References = values.GetValueOrDefault("--reference", []),
        };
    }
}
