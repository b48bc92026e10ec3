using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Hosting;
using OrleansMail.Tests.Configuration.Nginx;

namespace OrleansMail.Tests.Upstreams;

/// <summary><c>proxy_oauth_login</c>: token by default, inherited mail → server → upstream block, any other value refused naming the key.</summary>
public sealed class ProxyOAuthLoginSettingsTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static IReadOnlyList<ServerSettings> Read(params (string Key, string Value)[] values) =>
        MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void TokenByDefaultPasswordWhereSetAndInherited()
    {
        var server = Assert.Single(Read(
            ("Mail:AuthHttp", "127.0.0.1:9000/auth"),
            ("Mail:ProxyOAuthLogin", "password"),
            ("Mail:Upstreams:0:Address", "10.0.0.5:143"),
            ("Mail:Upstreams:0:ProxyOAuthLogin", "token"),
            ("Mail:Servers:0:Listen", "143")));

        Assert.Equal(UpstreamOAuthLogin.Password, server.Upstreams.For("192.0.2.1", 143).OAuthLogin);
        Assert.Equal(UpstreamOAuthLogin.Token, server.Upstreams.For("10.0.0.5", 143).OAuthLogin);
        Assert.Equal(UpstreamOAuthLogin.Token, UpstreamSettings.Default.OAuthLogin);
    }

    [Fact]
    public void AnyOtherValueStopsStartUpNamingTheKey()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Read(
            ("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "143"), ("Mail:Servers:0:ProxyOAuthLogin", "sometimes")));
        Assert.Equal("Mail:Servers:0:ProxyOAuthLogin", error.Key);
    }

    [Fact]
    public void TheNginxDirectiveWorksInMailServerAndUpstreamBlocks()
    {
        var servers = _files.Load("""
            mail {
                auth_http 127.0.0.1:9000/auth;
                proxy_oauth_login password;
                upstream 10.0.0.6:143 {
                    proxy_oauth_login token;
                }
                server {
                    listen 127.0.0.1:1143;
                    protocol imap;
                }
                server {
                    listen 127.0.0.1:1144;
                    protocol imap;
                    proxy_oauth_login token;
                }
            }
            """).ReadServers();

        Assert.Equal(UpstreamOAuthLogin.Password, servers[0].Upstreams.Default.OAuthLogin);
        Assert.Equal(UpstreamOAuthLogin.Token, servers[0].Upstreams.For("10.0.0.6", 143).OAuthLogin);
        Assert.Equal(UpstreamOAuthLogin.Token, servers[1].Upstreams.Default.OAuthLogin);
    }
}
