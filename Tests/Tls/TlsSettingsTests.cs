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
        Assert.Null(tls.CipherSuites);
        Assert.True(tls.SessionResumption);
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
    [InlineData("SslCiphers", "HIGH:!aNULL:FANCY")]
    [InlineData("SslSessionCache", "shared:SSL")]
    [InlineData("SslVerifyClient", "on")]
    [InlineData("Servers:0:SslCertificate", "/a.pem /b.pem")]
    public void UnusableValuesAreRefusedNamingTheKey(string key, string value)
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => Read(("Mail:" + key, value)));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void TlsWithoutACertificateIsRefused()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Mail:AuthHttp", "127.0.0.1:9000/auth"), new("Mail:Servers:0:Listen", "143"), new("Mail:Starttls", "on")])
            .Build()));
        Assert.Contains("SslCertificate", e.Message);
    }

    [Fact]
    public void WhatThePlatformCannotDoIsAcceptedWithAWarning()
    {
        var tls = Read(("Mail:SslDhparam", "/dh.pem"), ("Mail:SslSessionTimeout", "10m"), ("Mail:SslPreferServerCiphers", "on"),
            ("Mail:SslSessionCache", "shared:SSL:10m"), ("Mail:SslCiphers", "HIGH:!aNULL:!MD5"),
            // nginx accepts these too; refusing them would break the operator's file (README "TLS settings")
            ("Mail:SslEcdhCurve", "secp384r1"), ("Mail:SslSessionTicketKey:0", "/ticket.key"), ("Mail:SslConfCommand:0", "Options -SessionTicket"));
        Assert.Equal(8, tls.Warnings.Count);
    }

    [Fact]
    public void NginxsDefaultCipherStringKeepsStrongAuthenticatedSuites()
    {
        var suites = OpenSslCipherString.Evaluate("HIGH:!aNULL:!MD5");
        Assert.Equal(TlsCipherSuite.TLS_AES_256_GCM_SHA384, suites[0]);
        Assert.Contains(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, suites);
        Assert.Contains(TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_DH_anon_WITH_AES_128_GCM_SHA256, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA, suites);
        Assert.DoesNotContain(TlsCipherSuite.TLS_RSA_WITH_NULL_SHA, suites);
    }

    [Fact]
    public void CipherStringOperatorsWorkAsInOpenSsl()
    {
        var suites = OpenSslCipherString.Evaluate("ECDHE+AESGCM:ECDHE+CHACHA20:-ECDSA:+AES128:DES-CBC3-SHA:!kRSA:DES-CBC3-SHA");
        Assert.Equal([TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256], suites);
        Assert.Throws<FormatException>(() => OpenSslCipherString.Evaluate("aNULL:!aNULL"));
    }
}
