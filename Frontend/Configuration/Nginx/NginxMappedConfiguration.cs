namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// An nginx configuration turned into configuration keys (<c>Mail:…</c>, <c>Mail:Servers:N:…</c>, <c>Cluster:…</c>),
/// with where each key was set, so a value the settings reader refuses is reported at its file and line.
/// </summary>
public sealed class NginxMappedConfiguration
{
    public Dictionary<string, string?> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where each key (and each block's section, <c>Mail</c>, <c>Mail:Servers:N</c>) was set.</summary>
    public Dictionary<string, NginxSourceLocation> Locations { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Warnings to log once at start-up (deprecated or ineffective directives), each ending in file:line.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>nginx's own directives outside mail{} that mean nothing here, in order, each once.</summary>
    public List<string> NotForMail { get; } = [];

    /// <summary>The <c>pid</c> directive's file (absolute), if any.</summary>
    public string? PidFile { get; set; }

    /// <summary>The top-level <c>error_log</c> directives, in order: each destination gets the lines at or above its level.</summary>
    public List<NginxErrorLog> ErrorLogs { get; } = [];

    /// <summary>
    /// The error_log list of each server section (<c>Mail:Servers:N</c> → N) that has its own or inherits mail{}'s;
    /// the other servers' sessions log to <see cref="ErrorLogs"/>.
    /// </summary>
    public Dictionary<int, List<NginxErrorLog>> ServerErrorLogs { get; } = [];

    public void Set(string key, string? value, NginxSourceLocation location)
    {
        Values[key] = value;
        Locations[key] = location;
    }

    /// <summary>
    /// Where <paramref name="key"/> was set: the key itself, else the nearest section above it (a key that is missing,
    /// such as a server's Listen, is reported at its server{} block), else null.
    /// </summary>
    public NginxSourceLocation? LocationOf(string key)
    {
        for (var path = key; path.Length > 0; path = path.LastIndexOf(':') is var colon and > 0 ? path[..colon] : "")
        {
            if (Locations.TryGetValue(path, out var location)) return location;
        }
        return null;
    }
}

/// <summary>
/// One <c>error_log DESTINATION [level]</c>: <see cref="Path"/> is an absolute file name, <c>stderr</c>, or the
/// <c>syslog:…</c> text with <see cref="Syslog"/> its parsed parameters.
/// </summary>
public sealed record NginxErrorLog(string Path, Microsoft.Extensions.Logging.LogLevel Level, Logging.SyslogTarget? Syslog = null);
