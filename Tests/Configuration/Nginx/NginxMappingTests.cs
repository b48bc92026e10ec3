using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Frontend.Logging;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>nginx directives → the same keys (and so the same settings) as the JSON configuration.</summary>
public sealed class NginxMappingTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static IReadOnlyList<ServerSettings> FromJsonKeys(params (string Key, string Value)[] values) =>
        MailSettingsReader.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    /// <summary>One key of servers 0, 1 and 2, comma-separated.</summary>
    private static string Column(Dictionary<string, string?> values, string key) =>
        string.Join(',', Enumerable.Range(0, 3).Select(i => values[$"Mail:Servers:{i}:{key}"]));

    /// <summary>IPAddress cannot be compared member by member (ScopeId throws for IPv4); endpoints are compared apart.</summary>
    private static ServerSettings WithoutEndPoints(ServerSettings s) =>
        s with { Listen = null!, ListenParameters = s.ListenParameters with { EndPoint = null! }, Smtp = s.Smtp with { Resolver = [] } };

    [Fact]
    public void AnNginxFileGivesTheSameSettingsAsTheEquivalentJson()
    {
        var nginx = _files.Load("""
            mail {
                server_name mx.example.org;
                auth_http 127.0.0.1:9000/auth;
                auth_http_header X-Secret "s e c";
                timeout 30s;
                imap_auth plain login;
                imap_capabilities IMAP4rev1 "ID";
                smtp_auth none cram-md5;
                resolver 127.0.0.1 [::1]:5353;
                server {
                    listen 127.0.0.1:1143 backlog=64;
                    protocol imap;
                    imap_client_buffer 8k;
                    auth_http_header X-Server imap;
                }
                server {
                    listen 127.0.0.1:1110;
                    listen 127.0.0.1:1995;
                    protocol pop3;
                    pop3_auth apop;
                    max_errors 2;
                    xclient off;
                    listener_name pop;
                }
            }
            """).ReadServers();

        var json = FromJsonKeys(
            ("Mail:ServerName", "mx.example.org"), ("Mail:AuthHttp", "127.0.0.1:9000/auth"), ("Mail:AuthHttpHeaders:X-Secret", "s e c"),
            ("Mail:Timeout", "30s"), ("Mail:ImapAuth", "plain login"), ("Mail:ImapCapabilities", "IMAP4rev1 ID"),
            ("Mail:SmtpAuth", "none cram-md5"), ("Mail:Resolver", "127.0.0.1 [::1]:5353"),
            ("Mail:Servers:0:Listen", "127.0.0.1:1143 backlog=64"), ("Mail:Servers:0:Protocol", "imap"),
            ("Mail:Servers:0:ImapClientBuffer", "8k"), ("Mail:Servers:0:AuthHttpHeaders:X-Server", "imap"),
            ("Mail:Servers:1:Listen", "127.0.0.1:1110"), ("Mail:Servers:1:Protocol", "pop3"), ("Mail:Servers:1:Pop3Auth", "apop"),
            ("Mail:Servers:1:MaxErrors", "2"), ("Mail:Servers:1:Xclient", "off"), ("Mail:Servers:1:Name", "pop"),
            ("Mail:Servers:2:Listen", "127.0.0.1:1995"), ("Mail:Servers:2:Protocol", "pop3"), ("Mail:Servers:2:Pop3Auth", "apop"),
            ("Mail:Servers:2:MaxErrors", "2"), ("Mail:Servers:2:Xclient", "off"), ("Mail:Servers:2:Name", "pop"));

        Assert.Equal(3, nginx.Count);
        Assert.Equal(json.Select(s => s.Listen), nginx.Select(s => s.Listen));
        Assert.Equivalent(json.Select(WithoutEndPoints), nginx.Select(WithoutEndPoints), strict: true);
        Assert.Equal(64, nginx[0].ListenParameters.Backlog);
        Assert.Equal([new("X-Server", "imap")], nginx[0].AuthHttp.ExtraHeaders); // a server's own list replaces mail{}'s
        Assert.Equal([new("X-Secret", "s e c")], nginx[1].AuthHttp.ExtraHeaders);
        Assert.Equal(8192, nginx[0].Imap.ClientBuffer);
        Assert.Equal(4096, nginx[1].Imap.ClientBuffer); // inherited default
        Assert.Equal(TimeSpan.FromSeconds(30), nginx[2].Timeout); // inherited from mail{}
        Assert.Equal(json[0].Smtp.Resolver, nginx[0].Smtp.Resolver);
        Assert.Equal(2, nginx[0].Smtp.Resolver.Count);
    }

    [Fact]
    public void UpstreamBlocksCarryPerUpstreamSettingsInheritingFromServerAndMail()
    {
        var servers = _files.Load("""
            mail {
                auth_http 127.0.0.1:9000/auth;
                proxy_ssl starttls;
                proxy_ssl_name imap.example.org;
                upstream 10.0.0.5:993 {
                    proxy_ssl on;
                    proxy_protocol v2;
                }
                upstream 10.0.0.6:143 {
                    proxy_imap_id on;
                }
                server {
                    listen 127.0.0.1:1143;
                    protocol imap;
                    proxy_ssl_verify off;
                }
            }
            """).ReadServers();

        var upstreams = Assert.Single(servers).Upstreams;
        Assert.Equal(UpstreamTlsMode.StartTls, upstreams.Default.Tls.Mode);
        Assert.False(upstreams.Default.Tls.Verify);
        var implicitTls = upstreams.For("10.0.0.5", 993);
        Assert.Equal(UpstreamTlsMode.On, implicitTls.Tls.Mode);
        Assert.Equal(ProxyProtocolVersion.V2, implicitTls.ProxyProtocol);
        Assert.Equal("imap.example.org", implicitTls.Tls.Name);
        Assert.False(implicitTls.Tls.Verify);
        Assert.True(upstreams.For("10.0.0.6", 143).ImapId);
        Assert.Equal(UpstreamTlsMode.StartTls, upstreams.For("10.0.0.6", 143).Tls.Mode);
    }

    [Fact]
    public void AnUpstreamBlockTakesOnlyUpstreamSettings()
    {
        var error = _files.Refused("mail {\n  auth_http 127.0.0.1:9/a;\n  upstream 10.0.0.5:993 {\n    imap_auth plain;\n  }\n  server {\n    listen 143;\n  }\n}\n");
        Assert.Equal($"\"imap_auth\" directive is not allowed here in {_files.Directory}/nginx.conf:4", error.Message);
    }

    [Fact]
    public void RepeatedDirectivesBecomeArraysAndEveryKeyKeepsItsLine()
    {
        var mapped = _files.Load("mail {\n ssl_certificate a.crt;\n ssl_certificate b.crt;\n server {\n  listen 143;\n  set_real_ip_from 10.0.0.0/8;\n  set_real_ip_from unix:;\n }\n}\n").Mapped;
        Assert.Equal(Path.Combine(_files.Directory, "a.crt"), mapped.Values["Mail:SslCertificate:0"]); // from the -c file's folder
        Assert.Equal(Path.Combine(_files.Directory, "b.crt"), mapped.Values["Mail:SslCertificate:1"]);
        Assert.Equal("10.0.0.0/8", mapped.Values["Mail:Servers:0:SetRealIpFrom:0"]);
        Assert.Equal("unix:", mapped.Values["Mail:Servers:0:SetRealIpFrom:1"]);
        Assert.Equal(3, mapped.LocationOf("Mail:SslCertificate:1")!.Value.Line);
        Assert.Equal(7, mapped.LocationOf("Mail:Servers:0:SetRealIpFrom:1")!.Value.Line);
        Assert.Equal(5, mapped.LocationOf("Mail:Servers:0:Listen")!.Value.Line);
        Assert.Equal(4, mapped.LocationOf("Mail:Servers:0:Protocol")!.Value.Line); // not set: its server{}
    }

    [Fact]
    public void ASettingsErrorIsReportedAtTheDirectiveThatSetTheKey()
    {
        var error = _files.Refused("mail {\n  auth_http 127.0.0.1:9/a;\n  smtp_auth bogus;\n  server {\n    listen 25;\n  }\n}\n");
        Assert.Equal($"\"smtp_auth\" directive invalid value \"bogus\": expected plain, login, cram-md5, external, xoauth2, oauthbearer, none in {_files.Directory}/nginx.conf:3", error.Message);

        var missing = _files.Refused("mail {\n  auth_http 127.0.0.1:9/a;\n  server {\n    protocol imap;\n  }\n}\n");
        Assert.StartsWith("every server needs Listen", missing.Message);
        Assert.EndsWith("nginx.conf:3", missing.Message);
    }

    [Theory]
    [InlineData("mail {\n bogus 1;\n}", "unknown directive \"bogus\"", 2)]
    [InlineData("listen 143;", "\"listen\" directive is not allowed here", 1)]
    [InlineData("mail {\n listen 143;\n}", "\"listen\" directive is not allowed here", 2)]
    [InlineData("mail {\n server {\n  server { }\n }\n}", "\"server\" directive is not allowed here", 3)]
    [InlineData("mail {\n timeout 1s 2s;\n}", "invalid number of arguments in \"timeout\" directive", 2)]
    [InlineData("mail {\n auth_http_header X;\n}", "invalid number of arguments in \"auth_http_header\" directive", 2)]
    [InlineData("mail {\n xclient yes;\n}", "invalid value \"yes\" in \"xclient\" directive, it must be \"on\" or \"off\"", 2)]
    [InlineData("mail {\n timeout 1s;\n timeout 2s;\n}", "\"timeout\" directive is duplicate", 3)]
    [InlineData("mail { }\nmail { }", "\"mail\" directive is duplicate", 2)]
    [InlineData("mail;", "directive \"mail\" has no opening \"{\"", 1)]
    [InlineData("mail {\n timeout 1s { }\n}", "directive \"timeout\" is not terminated by \";\"", 2)]
    [InlineData("mail {\n error_log memory:32m debug;\n}", "nginx was built without debug support", 2)]
    [InlineData("error_log syslog:server=127.0.0.1,facility=bogus;", "unknown syslog facility \"bogus\"", 1)]
    [InlineData("error_log syslog:facility=mail;", "no syslog server specified", 1)]
    [InlineData("mail {\n server {\n  error_log syslog:server=127.0.0.1,tag=bad-tag;\n }\n}", "syslog \"tag\" only allows alphanumeric characters and underscore", 3)]
    [InlineData("error_log x.log loud;", "invalid log level \"loud\"", 1)]
    public void DirectiveErrorsUseNginxsWordsAndLines(string text, string reason, int line)
    {
        var error = _files.Refused(text);
        Assert.Equal($"{reason} in {_files.Directory}/nginx.conf:{line}", error.Message);
    }

    [Fact]
    public void TheSeedAsPrintedIsRefusedNamingTheUnterminatedWorkerProcesses()
    {
        var error = _files.Refused(NginxConfigurationFiles.Seed);
        // nginx reads "worker_processes auto mail {" as one directive and reports it; we name the directive's own line.
        Assert.Equal($"directive \"worker_processes\" is not terminated by \";\" in {_files.Directory}/nginx.conf:1", error.Message);
    }

    [Fact]
    public void TheFixedSeedMapsEveryDirective()
    {
        var nginx = _files.Load(NginxConfigurationFiles.FixedSeed);
        var values = nginx.Mapped.Values;
        Assert.Equal("mail.example.com", values["Mail:ServerName"]);
        Assert.Equal("localhost:9000/cgi-bin/nginxauth.cgi", values["Mail:AuthHttp"]);
        Assert.Equal("on", values["Mail:ProxyPassErrorMessage"]);
        Assert.Equal("/etc/ssl/certs/server.crt", values["Mail:SslCertificate:0"]);
        Assert.Equal("/etc/ssl/certs/server.key", values["Mail:SslCertificateKey:0"]);
        Assert.Equal(["TLSv1", "TLSv1.1", "TLSv1.2"], Enumerable.Range(0, 3).Select(i => values[$"Mail:SslProtocols:{i}"]));
        Assert.Equal("HIGH:!aNULL:!MD5", values["Mail:SslCiphers"]);
        Assert.Equal("shared:SSL:10m", values["Mail:SslSessionCache"]);
        Assert.Equal("10m", values["Mail:SslSessionTimeout"]);
        // "ssl on" in mail{} is implicit TLS on every listener in its scope.
        Assert.Equal("25 ssl,110 ssl,143 ssl", Column(values, "Listen"));
        Assert.Equal("smtp,pop3,imap", Column(values, "Protocol"));
        Assert.Equal(["login", "plain", "cram-md5"], Enumerable.Range(0, 3).Select(i => values[$"Mail:Servers:0:SmtpAuth:{i}"]));
        Assert.Equal(["plain", "apop", "cram-md5"], Enumerable.Range(0, 3).Select(i => values[$"Mail:Servers:1:Pop3Auth:{i}"]));
        Assert.Equal(["worker_processes"], nginx.Mapped.NotForMail);
        Assert.Equal($"the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead in {_files.Directory}/nginx.conf:9", Assert.Single(nginx.Mapped.Warnings));
    }

    [Fact]
    public void SslOnInAServerAppliesToItsListenersOnly()
    {
        var values = _files.Load("mail {\n server { listen 993; ssl on; }\n server { listen 143; }\n server { listen 995 ssl; ssl on; }\n}").Mapped.Values;
        Assert.Equal("993 ssl,143,995 ssl", Column(values, "Listen"));
    }

    [Fact]
    public void ProcessDirectivesAreHonouredAndOthersReportedOnce()
    {
        var mapped = _files.Load("user nobody;\nworker_processes 4;\nevents { worker_connections 1024; }\nhttp { server { listen 80; } }\nstream { }\nworker_processes 2;\npid run/om.pid;\nerror_log logs/error.log warn;\ncluster_silo_port 12345;\nworker_shutdown_timeout 2m;\nmail { proxy on; }\n").Mapped;
        Assert.Equal(["user", "worker_processes", "http", "stream"], mapped.NotForMail);
        Assert.Equal("1024", mapped.Values["WorkerConnections"]);
        Assert.Equal(Path.Combine(_files.Directory, "run/om.pid"), mapped.PidFile);
        Assert.Equal([new NginxErrorLog(Path.Combine(_files.Directory, "logs/error.log"), Microsoft.Extensions.Logging.LogLevel.Warning)], mapped.ErrorLogs);
        Assert.Equal("12345", mapped.Values["Cluster:SiloPort"]);
        Assert.Equal("2m", mapped.Values["ShutdownTimeout"]);
        Assert.Contains("\"proxy\" but never uses it", Assert.Single(mapped.Warnings));
    }

    /// <summary>
    /// error_log as nginx takes it (since 1.5.2): several per context, each with its own level; a server{}'s own list
    /// replaces mail{}'s, which replaces the top level's; stderr and syslog destinations.
    /// </summary>
    [Fact]
    public void ErrorLogTakesSeveralDestinationsPerContextAndServersInheritMailsList()
    {
        var mapped = _files.Load(
            "error_log logs/error.log;\nerror_log logs/info.log info;\nerror_log stderr warn;\n" +
            "mail {\n error_log logs/mail.log notice;\n server { listen 143; }\n" +
            " server { listen 110; error_log syslog:server=127.0.0.1:5514,facility=mail,tag=om,nohostname debug; error_log logs/pop3.log crit; }\n}\n" +
            "").Mapped;
        string In(string file) => Path.Combine(_files.Directory, file);
        Assert.Equal(
            [new NginxErrorLog(In("logs/error.log"), LogLevel.Error), new NginxErrorLog(In("logs/info.log"), LogLevel.Information), new NginxErrorLog("stderr", LogLevel.Warning)],
            mapped.ErrorLogs);
        Assert.Equal([new NginxErrorLog(In("logs/mail.log"), LogLevel.Information)], mapped.ServerErrorLogs[0]);
        var pop3 = mapped.ServerErrorLogs[1];
        Assert.Equal(new SyslogTarget("127.0.0.1", 5514, Facility: 2, Tag: "om", NoHostname: true), pop3[0].Syslog);
        Assert.Equal(LogLevel.Debug, pop3[0].Level);
        Assert.Equal(new NginxErrorLog(In("logs/pop3.log"), LogLevel.Critical), pop3[1]);
    }

    [Fact]
    public void TheJsonReaderRefusesUnknownKeysNamingThem()
    {
        var mail = Assert.Throws<InvalidConfigurationException>(() => FromJsonKeys(("Mail:AuthHttp", "127.0.0.1:9/a"), ("Mail:ImapAuht", "plain"), ("Mail:Servers:0:Listen", "143")));
        Assert.Equal("Mail:ImapAuht", mail.Key);
        var server = Assert.Throws<InvalidConfigurationException>(() => FromJsonKeys(("Mail:AuthHttp", "127.0.0.1:9/a"), ("Mail:Servers:0:Listen", "143"), ("Mail:Servers:0:Protocl", "imap")));
        Assert.Equal("Mail:Servers:0:Protocl", server.Key);
        // Keys in any letter case, as configuration keys are.
        Assert.Single(FromJsonKeys(("Mail:authhttp", "127.0.0.1:9/a"), ("Mail:Servers:0:listen", "143")));
    }
}
