using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// appsettings.json ships listeners for IMAP, POP3 and SMTP so that the bare command runs a complete proxy. A
/// configuration that names its own listeners (the <c>--config</c> file, environment variables, the command line)
/// replaces that list instead of being merged into it index by index, which is what .NET configuration would do
/// with arrays: a file with one IMAP listener must not inherit the defaults' POP3 and SMTP listeners as 1 and 2.
/// </summary>
internal static class DefaultListeners
{
    private const string ServersKey = "Mail:Servers";

    public static void YieldTo(IConfigurationBuilder configuration)
    {
        var sources = configuration.Sources;
        var defaults = sources.OfType<JsonConfigurationSource>().FirstOrDefault(s => s.Path == "appsettings.json");
        if (defaults is null) return;
        var index = sources.IndexOf(defaults);
        var overridden = sources.Where(s => s != defaults).Any(source =>
        {
            var provider = source.Build(configuration);
            provider.Load();
            return provider.GetChildKeys([], ServersKey).Any();
        });
        if (!overridden) return;

        // Re-read appsettings.json without its Servers: every other default still applies.
        var defaultsProvider = defaults.Build(configuration);
        defaultsProvider.Load();
        var withoutServers = new ConfigurationRoot([defaultsProvider]).AsEnumerable()
            .Where(kv => kv.Value is not null
                         && !kv.Key.Equals(ServersKey, StringComparison.OrdinalIgnoreCase)
                         && !kv.Key.StartsWith(ServersKey + ":", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        sources[index] = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = withoutServers };
    }
}
