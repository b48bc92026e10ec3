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
        return new NginxConfiguration(command, parsed, NginxConfigurationMapper.Map(parsed.Directives, command.Prefix));
    }

    public IConfigurationSource Source => new NginxConfigurationSource(Mapped);

    /// <summary>The listeners, read from this file alone (no appsettings.json Mail keys mixed in).</summary>
    public IReadOnlyList<ServerSettings> ReadServers()
    {
        var configuration = new ConfigurationBuilder().Add(Source).Build();
        try { return MailSettingsReader.Read(configuration); }
        catch (InvalidConfigurationException e) { throw At(e); }
    }

    /// <summary>The settings error at the file and line of the directive that set its key.</summary>
    public NginxConfigurationException At(InvalidConfigurationException error) =>
        new(error.Message, Mapped.LocationOf(error.Key) ?? new NginxSourceLocation(File, 0));
}
