using Microsoft.Extensions.Configuration;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>An nginx configuration as a configuration source: the keys <see cref="NginxConfigurationMapper"/> produced.</summary>
public sealed class NginxConfigurationSource(NginxMappedConfiguration mapped) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(mapped);

    private sealed class Provider(NginxMappedConfiguration mapped) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(mapped.Values, StringComparer.OrdinalIgnoreCase);
    }
}
