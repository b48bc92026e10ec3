using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Upstreams;
using OrleansMail.Tests.Configuration.Nginx;

namespace OrleansMail.Tests.Upstreams;

/// <summary>The UpstreamPools section from JSON keys and from nginx-style directives, and the values it refuses.</summary>
public sealed class UpstreamPoolSettingsTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static UpstreamPoolSettings Read(params (string Key, string Value)[] values) =>
        UpstreamPoolSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void NothingConfiguredMeansNoPoolsAndTheDefaults()
    {
        var settings = Read();
        Assert.All(Enum.GetValues<MailProtocol>(), p => Assert.Empty(settings.Pool(p)));
        Assert.False(settings.Prefer);
        Assert.Equal((3, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), 2, 2),
            (settings.Tries, settings.CheckInterval, settings.CheckTimeout, settings.CheckFails, settings.CheckPasses));
        Assert.Equal(TimeSpan.FromSeconds(1), settings.CacheRefresh);
    }

    [Fact]
    public void JsonArraysAndTheNginxDirectivesGiveTheSameSettings()
    {
        var json = Read(
            ("UpstreamPools:Imap:0", "127.0.0.1:143"), ("UpstreamPools:Imap:1", "[2001:db8::2]:143"), ("UpstreamPools:Imap:2", "Mail3.Example.NET:1143"),
            ("UpstreamPools:Pop3:0", "10.0.0.1:110"),
            ("UpstreamPools:Prefer", "true"), ("UpstreamPools:Tries", "2"), ("UpstreamPools:CheckInterval", "500ms"),
            ("UpstreamPools:CheckTimeout", "1s"), ("UpstreamPools:CheckFails", "3"), ("UpstreamPools:CheckPasses", "4"));
        var nginx = _files.Load("""
            imap_upstream_pool 127.0.0.1:143 [2001:db8::2]:143 Mail3.Example.NET:1143;
            pop3_upstream_pool 10.0.0.1:110;
            upstream_pool_prefer on;
            upstream_pool_tries 2;
            upstream_check_interval 500ms;
            upstream_check_timeout 1s;
            upstream_check_fails 3;
            upstream_check_passes 4;
            mail { auth_http 127.0.0.1:9000/auth; server { listen 143; } }
            """);
        var fromNginx = UpstreamPoolSettings.From(new ConfigurationBuilder().Add(nginx.Source).Build());

        Assert.Equal(["127.0.0.1:143", "[2001:db8::2]:143", "mail3.example.net:1143"], json.Imap.Select(u => u.Address));
        Assert.Equal(new PoolUpstream("2001:db8::2", 143), json.Imap[1]);
        Assert.Equal(json.Imap, fromNginx.Imap);
        Assert.Equal(json.Pop3, fromNginx.Pop3);
        Assert.Empty(fromNginx.Smtp);
        static object Scalars(UpstreamPoolSettings s) => (s.Prefer, s.Tries, s.CheckInterval, s.CheckTimeout, s.CheckFails, s.CheckPasses);
        Assert.Equal(Scalars(json), Scalars(fromNginx));
        Assert.True(fromNginx.Prefer);
        Assert.Equal(TimeSpan.FromMilliseconds(500), fromNginx.CacheRefresh);
    }

    [Theory]
    [InlineData("UpstreamPools:Imap:0", "10.0.0.1", "UpstreamPools:Imap")]
    [InlineData("UpstreamPools:Imap:0", "10.0.0.1:0", "UpstreamPools:Imap")]
    [InlineData("UpstreamPools:Smtp", "mail.example.net:99999", "UpstreamPools:Smtp")]
    [InlineData("UpstreamPools:Pop3", "bad host:110", "UpstreamPools:Pop3")]
    [InlineData("UpstreamPools:Pop3", "10.0.0.1:110 10.0.0.1:110", "UpstreamPools:Pop3")]
    [InlineData("UpstreamPools:CheckInterval", "0", "UpstreamPools:CheckInterval")]
    [InlineData("UpstreamPools:upstream_check_fails", "0", "UpstreamPools:upstream_check_fails")]
    [InlineData("UpstreamPools:Tries", "many", "UpstreamPools:Tries")]
    [InlineData("UpstreamPools:Prefer", "sometimes", "UpstreamPools:Prefer")]
    public void ABadValueStopsStartUpNamingTheKey(string key, string value, string named)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Read((key, value)));
        Assert.Equal(named, error.Key);
    }

    [Fact]
    public void TheDirectivesBelongAtTheTopLevelLikeTheOtherClusterSettings()
    {
        var refused = _files.Refused("mail { imap_upstream_pool 127.0.0.1:143; server { listen 143; } }");
        Assert.Contains("\"imap_upstream_pool\" directive is not allowed here", refused.Message, StringComparison.Ordinal);
    }
}
