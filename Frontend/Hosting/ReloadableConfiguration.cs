using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Where a reload reads the configuration again: the nginx file of <c>-c</c> (with <c>-p</c> and <c>-g</c>), or the
/// JSON configuration's sources (appsettings.json, <c>--config</c>, environment, command line), read afresh. The
/// running configuration object is left alone, so a broken file changes nothing anywhere.
/// </summary>
internal sealed class ReloadableConfiguration(string name, Func<ConfigurationSnapshot> read)
{
    /// <summary>The file's name, or "the JSON configuration", for the log.</summary>
    public string Name => name;

    /// <summary>Reads and checks everything; throws as <see cref="ConfigurationSnapshot"/>'s readers do.</summary>
    public ConfigurationSnapshot Read() => read();

    public static ReloadableConfiguration Nginx(NginxConfiguration started) =>
        new(started.File, () => ConfigurationSnapshot.FromNginx(NginxConfiguration.Load(started.Command)));

    public static ReloadableConfiguration Json(IConfigurationBuilder running) => new("the JSON configuration", () =>
    {
        var fresh = new ConfigurationBuilder();
        foreach (var source in running.Sources.ToList()) fresh.Add(source);
        DefaultListeners.YieldTo(fresh);
        var root = fresh.Build();
        try { return ConfigurationSnapshot.FromConfiguration(root); }
        finally { (root as IDisposable)?.Dispose(); }
    });
}
