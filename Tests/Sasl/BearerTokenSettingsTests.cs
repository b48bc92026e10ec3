using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Tests.Configuration.Nginx;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// xoauth2 / oauthbearer in imap_auth, pop3_auth and smtp_auth, sasl_oauth_plaintext and sasl_oauth_buffer, from an
/// nginx file and from JSON through the one reader, and what each listener then advertises.
/// </summary>
public sealed class BearerTokenSettingsTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    private const SaslMechanisms Bearer = SaslMechanisms.XOAuth2 | SaslMechanisms.OAuthBearer;

    [Fact]
    public void AnNginxFileEnablesTheMechanismsAndSetsTheDirectivesPerServer()
    {
        var servers = _files.Load("""
            mail {
                auth_http 127.0.0.1:9000/auth;
                sasl_oauth_buffer 32k;
                server { listen 143; imap_auth plain oauthbearer xoauth2; }
                server { listen 110; pop3_auth plain XOAUTH2; sasl_oauth_plaintext on; sasl_oauth_buffer 8192; }
                server { listen 587; protocol smtp; smtp_auth none oauthbearer; }
            }
            """).ReadServers();

        Assert.Equal(SaslMechanisms.Plain | Bearer, servers[0].Imap.Auth);
        Assert.Equal(new SaslOAuthSettings(false, 32 * 1024), servers[0].SaslOAuth);
        Assert.Equal(SaslMechanisms.Plain | SaslMechanisms.Login | SaslMechanisms.XOAuth2, servers[1].Pop3.Auth);
        Assert.Equal(new SaslOAuthSettings(true, 8192), servers[1].SaslOAuth);
        Assert.Equal(SaslMechanisms.OAuthBearer, servers[2].Smtp.Auth);
        Assert.True(servers[2].Smtp.AllowUnauthenticated);
        Assert.Equal(new SaslOAuthSettings(false, 32 * 1024), servers[2].SaslOAuth);
    }

    [Fact]
    public void JsonTakesTheSameKeysAndDefaultsToOffAnd16k()
    {
        var servers = MailSettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mail:AuthHttp"] = "http://127.0.0.1:9000/auth",
            ["Mail:Servers:0:Listen"] = "143",
            ["Mail:Servers:0:ImapAuth:0"] = "xoauth2",
            ["Mail:Servers:0:ImapAuth:1"] = "oauthbearer",
            ["Mail:Servers:1:Listen"] = "993",
            ["Mail:Servers:1:SaslOauthPlaintext"] = "on",
            ["Mail:Servers:1:SaslOauthBuffer"] = "64k",
        }).Build());
        Assert.Equal(Bearer, servers[0].Imap.Auth);
        Assert.Equal(SaslOAuthSettings.Default, servers[0].SaslOAuth);
        Assert.Equal(new SaslOAuthSettings(false, 16 * 1024), SaslOAuthSettings.Default);
        Assert.Equal(new SaslOAuthSettings(true, 64 * 1024), servers[1].SaslOAuth);
    }

    [Theory]
    [InlineData("mail { auth_http a:1/b; server { listen 143; imap_auth oauth; } }")]
    [InlineData("mail { auth_http a:1/b; server { listen 143; sasl_oauth_plaintext maybe; } }")]
    [InlineData("mail { auth_http a:1/b; server { listen 143; sasl_oauth_buffer lots; } }")]
    [InlineData("sasl_oauth_buffer 16k; mail { auth_http a:1/b; server { listen 143; } }")]
    public void BadValuesAndPlacesAreRefused(string text) => _files.Refused(text);

    [Fact]
    public void BeforeTlsTheMechanismsAreLeftOutUnlessPlaintextIsAllowed()
    {
        var off = new SaslOAuthSettings(false, 16384);
        var on = off with { Plaintext = true };
        var all = SaslMechanisms.Plain | SaslMechanisms.Login | Bearer;
        Assert.Equal(SaslMechanisms.Plain | SaslMechanisms.Login, off.Usable(all, tls: false));
        Assert.Equal(all, off.Usable(all, tls: true));
        Assert.Equal(all, on.Usable(all, tls: false));
    }

    [Fact]
    public void EachProtocolAdvertisesThemAfterTheOtherMechanisms()
    {
        Assert.Equal("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER\r\n",
            ImapCapabilities.Build(new ImapSettings(SaslMechanisms.Plain | Bearer, ["IMAP4rev1"], 4096)));
        Assert.Equal("+OK Capability list follows\r\nUSER\r\nSASL PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n.\r\n",
            Pop3Capabilities.BuildCapa(new Pop3Settings(SaslMechanisms.Plain | SaslMechanisms.Login | Bearer, false, ["USER"], 4096)));
        Assert.Equal("+OK methods supported:\r\nXOAUTH2\r\nOAUTHBEARER\r\n.\r\n",
            Pop3Capabilities.BuildAuthList(new Pop3Settings(Bearer, false, [], 4096)));
        var smtp = new SmtpSettings(SaslMechanisms.Plain | SaslMechanisms.Login | Bearer, true, [], 4096, TimeSpan.Zero, true, false, [], TimeSpan.Zero);
        Assert.Equal("250-proxy.test\r\n250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n", SmtpEhloReply.Build("proxy.test", smtp));
    }
}
