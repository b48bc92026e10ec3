using Microsoft.Extensions.Configuration;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Configuration;

public sealed class MailSettingsReaderTests
{
    private static IReadOnlyList<ServerSettings> Read(params (string Key, string Value)[] values) =>
        MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void DefaultsAreNginxs()
    {
        var server = Assert.Single(Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "143")));
        Assert.Equal(MailProtocol.Imap, server.Protocol);
        Assert.Equal(143, server.Listen.Port);
        Assert.Equal("http://127.0.0.1:9000/auth", server.AuthHttp.Url);
        Assert.Equal(TimeSpan.FromSeconds(60), server.AuthHttp.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), server.Timeout);
        Assert.Equal(TimeSpan.FromHours(24), server.ProxyTimeout);
        Assert.Equal(5, server.MaxErrors);
        Assert.False(server.ProxyPassErrorMessage);
        Assert.Equal(SaslMechanisms.Plain, server.Imap.Auth);
        Assert.Equal(["IMAP4", "IMAP4rev1", "UIDPLUS"], server.Imap.Capabilities);
        Assert.Equal(4096, server.Imap.ClientBuffer);
    }

    [Fact]
    public void Pop3AndSmtpDefaultsAreNginxsExceptThePop3BufferWhichIsFourKilobytes()
    {
        var servers = Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "110"), ("Mail:Servers:1:Listen", "587"));
        Assert.Equal(MailProtocol.Pop3, servers[0].Protocol);
        Assert.Equal(SaslMechanisms.Plain | SaslMechanisms.Login, servers[0].Pop3.Auth);
        Assert.False(servers[0].Pop3.Apop);
        Assert.Equal(["TOP", "USER", "UIDL"], servers[0].Pop3.Capabilities);
        Assert.Equal(4096, servers[0].Pop3.ClientBuffer);

        var smtp = servers[1].Smtp;
        Assert.Equal(MailProtocol.Smtp, servers[1].Protocol);
        Assert.Equal(SaslMechanisms.Plain | SaslMechanisms.Login, smtp.Auth);
        Assert.False(smtp.AllowUnauthenticated);
        Assert.Empty(smtp.Capabilities);
        Assert.Equal(TimeSpan.Zero, smtp.GreetingDelay);
        Assert.True(smtp.Xclient);
        Assert.False(smtp.ProxySmtpAuth);
        Assert.Empty(smtp.Resolver);
        Assert.Equal(TimeSpan.FromSeconds(30), smtp.ResolverTimeout);
    }

    [Fact]
    public void Pop3ApopAndSmtpNoneAreSeparateFromTheSaslMechanisms()
    {
        var servers = Read(
            ("Mail:AuthHttp", "127.0.0.1:9000/auth"),
            ("Mail:Pop3Auth", "apop cram-md5"),
            ("Mail:SmtpAuth", "none cram-md5"),
            ("Mail:Resolver", "127.0.0.1 [::1]:5353"),
            ("Mail:Servers:0:Listen", "110"),
            ("Mail:Servers:1:Listen", "25"));
        Assert.Equal(SaslMechanisms.CramMd5, servers[0].Pop3.Auth);
        Assert.True(servers[0].Pop3.Apop);
        Assert.Equal(SaslMechanisms.CramMd5, servers[1].Smtp.Auth);
        Assert.True(servers[1].Smtp.AllowUnauthenticated);
        Assert.Equal([new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 53), new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, 5353)], servers[1].Smtp.Resolver);
    }

    [Fact]
    public void ServerValuesOverrideMailValuesAndListsReplaceRatherThanAppend()
    {
        var servers = Read(
            ("Mail:AuthHttp", "http://auth/a"),
            ("Mail:Timeout", "30s"),
            ("Mail:ImapAuth", "plain login"),
            ("Mail:AuthHttpHeaders:X-Key", "one"),
            ("Mail:Servers:0:Listen", "127.0.0.1:1143"),
            ("Mail:Servers:0:Protocol", "imap"),
            ("Mail:Servers:1:Listen", "127.0.0.1:1144"),
            ("Mail:Servers:1:Protocol", "IMAP"),
            ("Mail:Servers:1:Timeout", "1m30s"),
            ("Mail:Servers:1:ImapAuth:0", "cram-md5"),
            ("Mail:Servers:1:AuthHttpHeaders:X-Other", "two"),
            ("Mail:Servers:1:ImapClientBuffer", "8k"));
        Assert.Equal(TimeSpan.FromSeconds(30), servers[0].Timeout);
        Assert.Equal(SaslMechanisms.Plain | SaslMechanisms.Login, servers[0].Imap.Auth);
        Assert.Equal([new("X-Key", "one")], servers[0].AuthHttp.ExtraHeaders);
        Assert.Equal(TimeSpan.FromSeconds(90), servers[1].Timeout);
        Assert.Equal(SaslMechanisms.CramMd5, servers[1].Imap.Auth);
        Assert.Equal([new("X-Other", "two")], servers[1].AuthHttp.ExtraHeaders);
        Assert.Equal(8192, servers[1].Imap.ClientBuffer);
    }

    [Theory]
    [InlineData("Mail:Servers:0:Listen", "127.0.0.1:99999", "Mail:Servers:0:Listen")]
    [InlineData("Mail:Servers:0:Listen", "example.com:143", "Mail:Servers:0:Listen")]
    [InlineData("Mail:Servers:0:Protocol", "gopher", "Mail:Servers:0:Protocol")]
    [InlineData("Mail:Timeout", "soon", "Mail:Timeout")]
    [InlineData("Mail:Servers:0:ImapClientBuffer", "12q", "Mail:Servers:0:ImapClientBuffer")]
    [InlineData("Mail:MaxErrors", "-1", "Mail:MaxErrors")]
    [InlineData("Mail:ProxyPassErrorMessage", "maybe", "Mail:ProxyPassErrorMessage")]
    [InlineData("Mail:ImapAuth", "plain gssapi", "Mail:ImapAuth")]
    [InlineData("Mail:AuthHttp", "ftp://auth/", "Mail:AuthHttp")]
    [InlineData("Mail:AuthHttp", "unix:/run/auth.sock", "Mail:AuthHttp")]
    [InlineData("Mail:Pop3Auth", "plain login", "Mail:Pop3Auth")]
    [InlineData("Mail:SmtpAuth", "plain apop", "Mail:SmtpAuth")]
    [InlineData("Mail:ImapAuth", "plain none", "Mail:ImapAuth")]
    [InlineData("Mail:Resolver", "127.0.0.1 valid=30s", "Mail:Resolver")]
    [InlineData("Mail:SmtpGreetingDelay", "later", "Mail:SmtpGreetingDelay")]
    [InlineData("Mail:Xclient", "sometimes", "Mail:Xclient")]
    [InlineData("Mail:SetRealIpFrom", "10.0.0.0/8 proxy.example", "Mail:SetRealIpFrom")]
    [InlineData("Mail:ProxyProtocol", "v3", "Mail:ProxyProtocol")]
    [InlineData("Mail:ProxySsl", "maybe", "Mail:ProxySsl")]
    [InlineData("Mail:ProxySslVerify", "perhaps", "Mail:ProxySslVerify")]
    [InlineData("Mail:ProxySslPin", "c2hvcnQ=", "Mail:ProxySslPin")]
    [InlineData("Mail:ProxySslProtocols", "TLSv1.2 TLSv1", "Mail:ProxySslProtocols")]
    [InlineData("Mail:ProxySslTrustedCertificate", "/nonexistent/ca.pem", "Mail:ProxySslTrustedCertificate")]
    [InlineData("Mail:Upstreams:0:Address", "no-port", "Mail:Upstreams:0:Address")]
    public void ABadValueStopsStartUpNamingTheKeyAndTheValue(string key, string value, string reportedKey)
    {
        var values = new Dictionary<string, string>
        {
            ["Mail:AuthHttp"] = "127.0.0.1:9000/auth",
            ["Mail:Servers:0:Listen"] = "127.0.0.1:1143",
            ["Mail:Servers:0:Protocol"] = "imap",
            [key] = value,
        };
        var e = Assert.Throws<InvalidConfigurationException>(() => Read(values.Select(kv => (kv.Key, kv.Value)).ToArray()));
        Assert.Equal(reportedKey, e.Key);
        Assert.Contains(reportedKey, e.Message);
        Assert.Contains(value.Split(' ')[^1], e.Message);
    }

    /// <summary>
    /// Every value nginx's slot functions accept (src/core/ngx_conf_file.c ngx_conf_set_size_slot,
    /// ngx_conf_set_num_slot, ngx_conf_set_msec_slot; src/core/ngx_parse.c) is accepted, not only "sensible" ones.
    /// </summary>
    [Theory]
    [InlineData("SmtpClientBuffer", "128", 128)]
    [InlineData("ImapClientBuffer", "16", 16)]
    [InlineData("ImapClientBuffer", "0", 0)]
    [InlineData("Pop3ClientBuffer", "64k", 65536)]
    [InlineData("ProxyBuffer", "1", 1)]
    [InlineData("ProxyBuffer", "3000m", int.MaxValue)]
    [InlineData("MaxErrors", "0", 0)]
    [InlineData("MaxErrors", "99999999999", int.MaxValue)]
    [InlineData("Timeout", "0", 0)]
    [InlineData("Timeout", "1h 30m", 5_400_000)]
    [InlineData("ProxyTimeout", "30d", 2_592_000_000)]
    public void ValuesNginxAcceptsAreAccepted(string key, string value, long expected)
    {
        var server = Assert.Single(Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "143"), ("Mail:" + key, value)));
        long actual = key switch
        {
            "SmtpClientBuffer" => server.Smtp.ClientBuffer,
            "ImapClientBuffer" => server.Imap.ClientBuffer,
            "Pop3ClientBuffer" => server.Pop3.ClientBuffer,
            "ProxyBuffer" => server.ProxyBuffer,
            "MaxErrors" => server.MaxErrors,
            "Timeout" => (long)server.Timeout.TotalMilliseconds,
            _ => (long)server.ProxyTimeout.TotalMilliseconds,
        };
        Assert.Equal(expected, actual);
    }

    /// <summary>nginx takes a resolver by name and uses all its addresses (looked up while reading the configuration).</summary>
    [Fact]
    public void AResolverGivenByNameIsLookedUpOnce()
    {
        var server = Assert.Single(Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "25"), ("Mail:Resolver", "localhost localhost:5353")));
        Assert.Contains(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 53), server.Smtp.Resolver);
        Assert.Contains(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5353), server.Smtp.Resolver);
    }

    /// <summary>listen rcvbuf=0 / sndbuf=0: nginx's parser reads 0, so it is accepted (the kernel applies its minimum).</summary>
    [Fact]
    public void ListenBuffersOfZeroAreAccepted()
    {
        var server = Assert.Single(Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "127.0.0.1:1143 rcvbuf=0 sndbuf=0"), ("Mail:Servers:0:Protocol", "imap")));
        Assert.Equal(0, server.ListenParameters.ReceiveBuffer);
        Assert.Equal(0, server.ListenParameters.SendBuffer);
    }

    [Fact]
    public void MissingAuthHttpAndMissingListenersAreRefused()
    {
        Assert.Equal("Mail:Servers", Assert.Throws<InvalidConfigurationException>(() => Read(("Mail:AuthHttp", "x"))).Key);
        Assert.Equal("Mail:Servers:0:AuthHttp", Assert.Throws<InvalidConfigurationException>(() => Read(("Mail:Servers:0:Listen", "143"))).Key);
        Assert.Equal("Mail:Servers", Assert.Throws<InvalidConfigurationException>(() => Read(
            ("Mail:AuthHttp", "x"), ("Mail:Servers:0:Listen", "1143"), ("Mail:Servers:0:Protocol", "imap"),
            ("Mail:Servers:1:Listen", "1143"), ("Mail:Servers:1:Protocol", "imap"))).Key);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("60", 60_000)]
    [InlineData("10m", 600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("00:00:05", 5_000)]
    public void NginxTimesParse(string text, long milliseconds)
    {
        Assert.True(NginxValueParser.TryParseTime(text, out var value));
        Assert.Equal(milliseconds, (long)value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("m")]
    [InlineData("-5s")]
    [InlineData("99999999999999999999d")]
    public void BadTimesAreRefused(string text) => Assert.False(NginxValueParser.TryParseTime(text, out _));

    [Fact]
    public void ClusterSettingsDefaultToEmbeddedAndValidateRedis()
    {
        var empty = new ConfigurationBuilder().Build();
        Assert.Equal(ClusterMode.Embedded, ClusterSettings.From(empty, ClusterMode.Embedded).Mode);
        var redisWithout = new ConfigurationBuilder().AddInMemoryCollection([new("Cluster:Mode", "redis")]).Build();
        Assert.Equal("Cluster:Redis", Assert.Throws<InvalidConfigurationException>(() => ClusterSettings.From(redisWithout, ClusterMode.Embedded)).Key);
        var badMode = new ConfigurationBuilder().AddInMemoryCollection([new("Cluster:Mode", "mesh")]).Build();
        Assert.Equal("Cluster:Mode", Assert.Throws<InvalidConfigurationException>(() => ClusterSettings.From(badMode, ClusterMode.Embedded)).Key);
    }

    [Fact]
    public void UpstreamSettingsInheritFromMailToServerToUpstreamEntry()
    {
        var servers = Read(
            ("Mail:AuthHttp", "127.0.0.1:9000/auth"),
            ("Mail:ProxyProtocol", "on"),
            ("Mail:ProxySsl", "starttls"),
            ("Mail:SetRealIpFrom:0", "10.0.0.0/8"),
            ("Mail:SetRealIpFrom:1", "2001:db8::/32 unix:"),
            ("Mail:Upstreams:0:Address", "10.0.0.5:993"),
            ("Mail:Upstreams:0:ProxySsl", "on"),
            ("Mail:Upstreams:1:Address", "[2001:DB8::5]:143"),
            ("Mail:Upstreams:1:ProxyProtocol", "v2"),
            ("Mail:Servers:0:Listen", "127.0.0.1:1143 proxy_protocol"),
            ("Mail:Servers:0:Protocol", "imap"),
            ("Mail:Servers:0:ProxySslName", "imap.example.org"),
            ("Mail:Servers:0:ProxyImapId", "on"));
        var server = Assert.Single(servers);
        Assert.True(server.ListenParameters.ProxyProtocol);
        Assert.True(server.SetRealIpFrom.Trusts(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.9.9.9"), 1)));
        Assert.True(server.SetRealIpFrom.Trusts(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("2001:db8::1"), 1)));
        Assert.True(server.SetRealIpFrom.Trusts(null));

        var plain = server.Upstreams.For("192.0.2.1", 143);
        Assert.Equal(new { P = ProxyProtocolVersion.V1, Id = true, Mode = UpstreamTlsMode.StartTls, Name = (string?)"imap.example.org", Verify = true },
            new { P = plain.ProxyProtocol, Id = plain.ImapId, plain.Tls.Mode, plain.Tls.Name, plain.Tls.Verify });
        var implicitTls = server.Upstreams.For("10.0.0.5", 993);
        Assert.Equal((UpstreamTlsMode.On, ProxyProtocolVersion.V1, "imap.example.org"), (implicitTls.Tls.Mode, implicitTls.ProxyProtocol, implicitTls.Tls.Name));
        var v6 = server.Upstreams.For("2001:db8::5", 143);
        Assert.Equal((UpstreamTlsMode.StartTls, ProxyProtocolVersion.V2), (v6.Tls.Mode, v6.ProxyProtocol));
    }

    [Fact]
    public void UpstreamTlsIsOffAndVerifyingByDefault()
    {
        var server = Assert.Single(Read(("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:Servers:0:Listen", "143")));
        var upstream = server.Upstreams.For("127.0.0.1", 143);
        Assert.Equal((ProxyProtocolVersion.Off, false, UpstreamTlsMode.Off, true), (upstream.ProxyProtocol, upstream.ImapId, upstream.Tls.Mode, upstream.Tls.Verify));
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, upstream.Tls.Protocols);
        Assert.True(server.SetRealIpFrom.IsEmpty);
    }
}
