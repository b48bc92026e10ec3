using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// An nginx configuration file read, checked and mapped: the files it read (for <c>-T</c>), the keys it sets (the
/// same ones the JSON configuration uses) and what the process itself honours (pid, error_log). Settings errors
/// found later by <see cref="MailSettingsReader"/> are reported at the directive that set the key.
/// </summary>
public sealed class NginxConfiguration
{
    private NginxConfiguration(NginxCommandLine command, NginxParseResult parsed, NginxMappedConfiguration mapped)
    {
        Command = command;
        Parsed = parsed;
        Mapped = mapped;
    }

    public NginxCommandLine Command { get; }

    public NginxParseResult Parsed { get; }

    public NginxMappedConfiguration Mapped { get; }

    public string File => Parsed.MainFile;

    /// <summary>Reads <c>-c</c>'s file (and <c>-g</c>); throws <see cref="NginxConfigurationException"/> at the first error.</summary>
    public static NginxConfiguration Load(NginxCommandLine command)
    {
        var file = command.ConfigFile ?? throw new InvalidOperationException("no -c file");
        var parsed = NginxParser.ParseFile(file, command.Globals);
        return new NginxConfiguration(command, parsed, NginxConfigurationMapper.Map(parsed.Directives, NginxPaths.For(command)));
    }

    public IConfigurationSource Source => new NginxConfigurationSource(Mapped);

    /// <summary>The listeners, read from this file alone (no appsettings.json Mail keys mixed in).</summary>
    public IReadOnlyList<ServerSettings> ReadServers()
    {
        var configuration = new ConfigurationBuilder().Add(Source).Build();
        try { return MailSettingsReader.Read(configuration); }
        catch (InvalidConfigurationException e) { throw At(e); }
    }

    /// <summary>
    /// Where the setting <paramref name="key"/> of the server section <paramref name="section"/> (<c>Mail:Servers:N</c>)
    /// was set: the server's own directive, else the one in mail{} it inherits; of a list (several ssl_certificate),
    /// the entry holding <paramref name="value"/>; a value set under another name (ssl_sni_certificate) is found by the
    /// value; failing all, the server{} block.
    /// </summary>
    public NginxSourceLocation Locate(string section, string key, string? value)
    {
        bool Holds(KeyValuePair<string, string?> setting) => value is null || (setting.Value?.Contains(value, StringComparison.Ordinal) ?? false);
        bool Under(string name, string prefix) => name.Equals(prefix, StringComparison.OrdinalIgnoreCase) || name.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase);
        foreach (var scope in new[] { section, MailSettingsReader.SectionName })
        {
            var own = Mapped.Values.FirstOrDefault(s => Under(s.Key, $"{scope}:{key}") && Holds(s));
            if (own.Key is not null) return Mapped.Locations[own.Key];
        }
        if (value is not null)
        {
            var other = Mapped.Values.FirstOrDefault(s => (Under(s.Key, section) || (Under(s.Key, MailSettingsReader.SectionName) && !Under(s.Key, "Mail:Servers"))) && Holds(s));
            if (other.Key is not null) return Mapped.Locations[other.Key];
        }
        return Mapped.LocationOf(section) ?? new NginxSourceLocation(File, 0);
    }

    /// <summary>
    /// The settings error at the file and line of the directive that set its key, in nginx's words where the key is a
    /// directive's: <c>"smtp_client_buffer" directive invalid value "lots": REASON</c> (ngx_conf_handler prints
    /// <c>"NAME" directive invalid value</c> for a value its slot function refuses); a missing setting gives its reason.
    /// </summary>
    public NginxConfigurationException At(InvalidConfigurationException error)
    {
        var location = Mapped.LocationOf(error.Key) ?? new NginxSourceLocation(File, 0);
        var message = NginxDirectives.ForKey(error.Key) switch
        {
            null => error.Message,
            _ when error.Value is null => error.Reason,
            var directive => $"\"{directive.Name}\" directive invalid value \"{error.Value}\": {error.Reason}",
        };
        return new NginxConfigurationException(message, location);
    }
}
