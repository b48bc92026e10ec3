using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// What the process reads from its configuration, at start and again at each reload: the listeners (which a reload
/// applies), the settings only a restart changes (which a reload compares and reports), and the warnings to log.
/// Reading throws <see cref="InvalidConfigurationException"/>, or <see cref="NginxConfigurationException"/> with the
/// file and line for an nginx file, at the first unusable value.
/// </summary>
public sealed class ConfigurationSnapshot
{
    /// <summary>
    /// The first key segments of the settings fixed for the life of the process: the cluster (the silo or client is
    /// built once), the grains' login policy, the admin API's address, <c>worker_shutdown_timeout</c> and the process's
    /// connection limits.
    /// </summary>
    private static readonly string[] RestartOnlySections = ["Cluster", "LoginPolicy", "Admin", "ShutdownTimeout", "ShutdownDelay", "WorkerConnections", "PreloginConnectionsPerAddress"];

    private ConfigurationSnapshot(IReadOnlyList<ConfiguredListener> listeners, IReadOnlyDictionary<string, string> restartOnly, IReadOnlyList<string> warnings)
    {
        Listeners = listeners;
        RestartOnly = restartOnly;
        Warnings = warnings;
    }

    public IReadOnlyList<ConfiguredListener> Listeners { get; }

    public IEnumerable<ServerSettings> Servers => Listeners.Select(l => l.Settings);

    /// <summary>Key → value of the settings a reload cannot apply (compared, never logged: a value may be a secret).</summary>
    public IReadOnlyDictionary<string, string> RestartOnly { get; }

    /// <summary>Deprecation and no-effect warnings of an nginx file, each ending in file:line.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The JSON configuration (appsettings.json, <c>--config</c>, environment, command line) as merged.</summary>
    public static ConfigurationSnapshot FromConfiguration(IConfiguration configuration)
    {
        var listeners = ReadListeners(configuration);
        ClusterSettings.From(configuration, ClusterMode.Embedded); // validated, though only a restart applies it
        return new ConfigurationSnapshot(listeners, RestartOnlyValues(configuration), []);
    }

    /// <summary>An nginx file (<c>-c</c>): its listeners come from the file alone, as at start.</summary>
    public static ConfigurationSnapshot FromNginx(NginxConfiguration nginx)
    {
        var configuration = new ConfigurationBuilder().Add(nginx.Source).Build();
        IReadOnlyList<ConfiguredListener> listeners;
        try
        {
            listeners = ReadListeners(configuration);
            ClusterSettings.From(configuration, ClusterMode.Embedded);
        }
        catch (InvalidConfigurationException e) { throw nginx.At(e); }

        var restartOnly = new Dictionary<string, string>(RestartOnlyValues(configuration), StringComparer.OrdinalIgnoreCase);
        if (nginx.Mapped.PidFile is { } pid) restartOnly["pid"] = pid;
        var errorLogs = nginx.Mapped.ErrorLogs.Concat(nginx.Mapped.ServerErrorLogs.OrderBy(s => s.Key).SelectMany(s => s.Value));
        if (errorLogs.Any()) restartOnly["error_log"] = string.Join("; ", errorLogs.Select(log => $"{log.Path} {log.Level}"));
        return new ConfigurationSnapshot(listeners, restartOnly, nginx.Mapped.Warnings);
    }

    /// <summary>The keys of <see cref="RestartOnly"/> whose values differ in <paramref name="next"/>, present in either.</summary>
    public IReadOnlyList<string> RestartOnlyChanges(ConfigurationSnapshot next) =>
        RestartOnly.Keys.Union(next.RestartOnly.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => RestartOnly.GetValueOrDefault(key) != next.RestartOnly.GetValueOrDefault(key))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();

    private static List<ConfiguredListener> ReadListeners(IConfiguration configuration)
    {
        var servers = MailSettingsReader.Read(configuration);
        var mail = configuration.GetSection(MailSettingsReader.SectionName);
        var serversPath = mail.GetSection("Servers").Path;
        var shared = Text(mail.AsEnumerable().Where(kv => !kv.Key.StartsWith(serversPath + ":", StringComparison.OrdinalIgnoreCase)));
        // MailSettingsReader.Read reads the server sections in this same order, one listener each.
        var sections = mail.GetSection("Servers").GetChildren().ToList();
        return servers.Select((server, i) => new ConfiguredListener(server, shared + "\n--\n" + Text(sections[i].AsEnumerable(makePathsRelative: true)), sections[i].Path)).ToList();
    }

    private static string Text(IEnumerable<KeyValuePair<string, string?>> values) =>
        string.Join('\n', values.Where(kv => kv.Value is not null)
            .OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)
            .Select(kv => kv.Key.ToLowerInvariant() + "=" + kv.Value));

    private static Dictionary<string, string> RestartOnlyValues(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(kv => kv.Value is not null && RestartOnlySections.Contains(kv.Key.Split(':')[0], StringComparer.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.OrdinalIgnoreCase);
}
