using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Tls;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Tls;

/// <summary>The ssl_* and starttls settings: defaults, mail→server inheritance, warnings and refusals.</summary>
public sealed class TlsSettingsTests
{
    private static TlsSettings Read(params (string Key, string Value)[] values) =>
        Assert.Single(MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(new (string, string)[] { ("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "993 ssl"),
                ("Mail:SslCertificate", "/c.pem"), ("Mail:SslCertificateKey", "/c.key") }
                .Concat(values).Select(v => new KeyValuePair<string, string?>(v.Item1, v.Item2)))
            .Build())).Tls;

    [Fact]
    public void DefaultsAreNginxs()
    {
        var tls = Read();
        Assert.True(tls.Implicit);
        Assert.Equal(StarttlsMode.Off, tls.Starttls);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, tls.Protocols);
        Assert.Equal("HIGH:!aNULL:!MD5", tls.Ciphers);
        Assert.Equal(SessionCacheSettings.None, tls.SessionCache);
        Assert.True(tls.SessionTickets);
        Assert.Equal(TimeSpan.FromMinutes(5), tls.SessionTimeout);
        Assert.Empty(tls.SessionTicketKeys);
        Assert.Empty(tls.ConfCommands);
        Assert.Equal(ClientCertificateMode.Off, tls.VerifyClient);
        Assert.Equal(1, tls.VerifyDepth);
        Assert.Empty(tls.Warnings);
    }

    [Fact]
    public void CertificatesPairUpInEitherShapeAndSniNamesAreRead()
    {
        var tls = Read(("Mail:Servers:0:SslCertificate", "/rsa.pem /ecdsa.pem"), ("Mail:Servers:0:SslCertificateKey:0", "/rsa.key"),
            ("Mail:Servers:0:SslCertificateKey:1", "/ecdsa.key"), ("Mail:SslSni:a.test:Certificate", "/a.pem"), ("Mail:SslSni:a.test:Key", "/a.key"),
            ("Mail:SslSniCertificate:0", "*.b.test /b.pem /b.key"));
        Assert.Equal([new CertificateFiles("/rsa.pem", "/rsa.key"), new CertificateFiles("/ecdsa.pem", "/ecdsa.key")], tls.Certificates);
        Assert.Equal([new CertificateFiles("/a.pem", "/a.key")], tls.SniCertificates["a.test"]);
        Assert.Equal([new CertificateFiles("/b.pem", "/b.key")], tls.SniCertificates["*.b.test"]);
    }

    [Fact]
    public void OldProtocolsAreDroppedWithAWarning()
    {
        var tls = Read(("Mail:SslProtocols", "TLSv1 TLSv1.1 TLSv1.2"));
        Assert.Equal(SslProtocols.Tls12, tls.Protocols);
        Assert.Contains(tls.Warnings, w => w.Contains("TLSv1 TLSv1.1 not offered"));
        Assert.Throws<InvalidConfigurationException>(() => Read(("Mail:SslProtocols", "SSLv3 TLSv1")));
    }

    [Theory]
    [InlineData("Starttls", "maybe")]
    [InlineData("SslCiphers", "FANCY:!aNULL")]
    [InlineData("SslEcdhCurve", "nosuchcurve")]
    [InlineData("SslDhparam", "/nonexistent/dhparam.pem")]
    [InlineData("SslConfCommand:0", "NoSuchCommand on")]
    [InlineData("SslConfCommand:0", "Ciphersuites TLS_NO_SUCH_SUITE")]
    [InlineData("SslConfCommand:0", "Ciphersuites")]
    [InlineData("SslCertificateCompression", "on")]
    [InlineData("SslSessionCache", "shared:SSL")]
    [InlineData("SslVerifyClient", "on")]
    [InlineData("Servers:0:SslCertificate", "/a.pem /b.pem")]
    public void UnusableValuesAreRefusedNamingTheKey(string key, string value)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Read(("Mail:" + key, value)));
        Assert.Contains(key, e.Message); // an entry of a repeatable directive is named with its index
    }

    [Fact]
    public void TlsWithoutACertificateIsRefused()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Mail:AuthHttp", "127.0.0.1:9000/auth"), new("Mail:Servers:0:Listen", "143"), new("Mail:Starttls", "on")])
            .Build()));
        Assert.Contains("SslCertificate", e.Message);
    }

    /// <summary>Every TLS directive nginx has is read into what is set on OpenSSL, none with a "not applied" warning.</summary>
    [Fact]
    public void EveryTlsDirectiveIsReadToBeAppliedWithoutAWarning()
    {
        var directory = Support.ServerProcess.CreateTempDirectory("orleansmail-tls-settings-");
        var dhparam = Path.Combine(directory, "dhparam.pem");
        File.WriteAllText(dhparam, Ffdhe2048);
        var key = Path.Combine(directory, "ticket.key");
        File.WriteAllBytes(key, new byte[48]);
        var tls = Read(("Mail:SslDhparam", dhparam), ("Mail:SslSessionTimeout", "10m"), ("Mail:SslPreferServerCiphers", "on"),
            ("Mail:SslSessionCache", "builtin:1000 shared:SSL:1m"), ("Mail:SslCiphers", "ECDHE+AESGCM"), ("Mail:SslSessionTickets", "off"),
            ("Mail:SslEcdhCurve", "secp384r1:X25519"), ("Mail:SslSessionTicketKey:0", key), ("Mail:SslConfCommand:0", "Options -SessionTicket"),
            ("Mail:SslCertificateCompression", "off"));
        Assert.Empty(tls.Warnings);
        Assert.Equal(dhparam, tls.DhParamFile);
        Assert.Equal(TimeSpan.FromMinutes(10), tls.SessionTimeout);
        Assert.True(tls.PreferServerCiphers);
        Assert.Equal(new SessionCacheSettings(true, 4096), tls.SessionCache); // the larger: 1m at nginx's ~4000 sessions a megabyte
        Assert.Equal("ECDHE+AESGCM", tls.Ciphers);
        Assert.False(tls.SessionTickets);
        Assert.Equal("secp384r1:X25519", tls.EcdhCurve);
        Assert.Equal(key, Assert.Single(tls.SessionTicketKeys));
        Assert.Equal(new SslConfCommand("Options", "-SessionTicket"), Assert.Single(tls.ConfCommands));
        Assert.Equal(new SessionCacheSettings(false, null), Read(("Mail:SslSessionCache", "off")).SessionCache);
    }

    /// <summary>A ticket key file must be 48 or 80 bytes, as nginx requires, and is read with the certificates.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(47)]
    [InlineData(64)]
    [InlineData(81)]
    public void ATicketKeyFileOfAnotherLengthIsRefused(int length)
    {
        var key = Path.Combine(Support.ServerProcess.CreateTempDirectory("orleansmail-tls-settings-"), "ticket.key");
        File.WriteAllBytes(key, new byte[length]);
        var e = Assert.Throws<TlsFileException>(() => SessionTicketKeys.Read([key]));
        Assert.Equal($"\"{key}\" must be 48 or 80 bytes", e.Message);
        Assert.Equal("ssl_session_ticket_key", e.Directive);
        Assert.Equal([48, 80], SessionTicketKeys.Read([WriteKey(48), WriteKey(80)]).Select(k => k.Length));
        Assert.Throws<TlsFileException>(() => SessionTicketKeys.Read(["/nonexistent/ticket.key"]));
    }

    private static string WriteKey(int length)
    {
        var key = Path.Combine(Support.ServerProcess.CreateTempDirectory("orleansmail-tls-settings-"), "ticket.key");
        File.WriteAllBytes(key, new byte[length]);
        return key;
    }

    // RFC 7919's ffdhe2048 group, as `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048` writes it.
    private const string Ffdhe2048 = """
-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
""";
}
