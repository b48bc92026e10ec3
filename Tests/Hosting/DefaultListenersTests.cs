using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Hosting;

namespace OrleansMail.Tests.Hosting;

/// <summary>appsettings.json's listeners apply only while no other source names listeners; its other defaults always apply.</summary>
public sealed class DefaultListenersTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orleansmail-defaults-").FullName;

    public DefaultListenersTests() => File.WriteAllText(Path.Combine(_directory, "appsettings.json"), """
        { "Mail": { "ServerName": "default.example", "Servers": [
            { "Listen": "127.0.0.1:1143", "Protocol": "imap" },
            { "Listen": "127.0.0.1:1110", "Protocol": "pop3" },
            { "Listen": "127.0.0.1:1587", "Protocol": "smtp" } ] } }
        """);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private IConfigurationRoot Build(params (string Key, string Value)[] overrides)
    {
        var builder = new ConfigurationBuilder().SetBasePath(_directory).AddJsonFile("appsettings.json");
        if (overrides.Length > 0) builder.AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)));
        DefaultListeners.YieldTo(builder);
        return builder.Build();
    }

    [Fact]
    public void WithoutOtherListenersTheDefaultsServe()
    {
        var configuration = Build(("Mail:Timeout", "30s"));
        Assert.Equal(3, configuration.GetSection("Mail:Servers").GetChildren().Count());
        Assert.Equal("30s", configuration["Mail:Timeout"]);
    }

    [Fact]
    public void OwnListenersReplaceTheDefaultListInsteadOfMergingByIndex()
    {
        var configuration = Build(("Mail:Servers:0:Listen", "127.0.0.1:2143"), ("Mail:Servers:0:Protocol", "imap"));
        var servers = configuration.GetSection("Mail:Servers").GetChildren().ToList();
        Assert.Equal("127.0.0.1:2143", Assert.Single(servers)["Listen"]);
        // The rest of appsettings.json still applies.
        Assert.Equal("default.example", configuration["Mail:ServerName"]);
    }
}
