using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>
/// README "Running from an nginx configuration file" at the mapping level: relative paths resolved as nginx resolves
/// them (files the configuration reads from the -c file's folder, files the process writes from -p), quoted capability
/// arguments kept whole, and nginx's resolver options accepted with a warning. The running process is <see
/// cref="NginxStartupProcessTests"/>.
/// </summary>
public sealed class NginxPathAndValueTests : IDisposable
{
    private readonly NginxConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<string> ConfigurationFileDirectives() => new(NginxPaths.ConfigurationFileDirectives.Keys);

    /// <summary>The configuration lives in conf/, the prefix is elsewhere: every file directive takes conf/.</summary>
    [Theory]
    [MemberData(nameof(ConfigurationFileDirectives))]
    public void EachFileDirectiveIsResolvedFromTheConfigurationFilesFolder(string name)
    {
        var arguments = name == "ssl_sni_certificate" ? "mail.test certs/a.pem certs/a.key" : "certs/a.pem";
        // The cluster's files (cluster_tls_*, cluster_redis_tls_ca) are top-level directives; the rest go in mail{}.
        var directive = NginxDirectives.Find(name)!;
        var main = directive.Contexts == NginxContexts.Main;
        var file = _files.Write("conf/nginx.conf", main ? $"{name} {arguments};\nmail {{\n}}\n" : $"mail {{\n {name} {arguments};\n}}\n");
        var prefix = Path.Combine(_files.Directory, "prefix");
        foreach (var command in new[] { NginxCommandLine.Parse(["-p", prefix, "-c", file]), NginxCommandLine.Parse(["-c", file]) })
        {
            var values = NginxConfiguration.Load(command).Mapped.Values;
            var conf = Path.Combine(_files.Directory, "conf");
            var value = main ? values[directive.ConfigurationKey]! : Assert.Single(values, v => v.Key.StartsWith("Mail:", StringComparison.Ordinal)).Value!;
            Assert.Contains(Path.Combine(conf, "certs", "a.pem"), value, StringComparison.Ordinal);
            Assert.DoesNotContain(prefix, value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnAbsolutePathAndADataCertificateAreKeptAsTheyAre()
    {
        var mapped = _files.Load("mail {\n ssl_certificate /etc/ssl/a.pem;\n ssl_certificate data:-----BEGIN;\n}\n").Mapped;
        Assert.Equal("/etc/ssl/a.pem", mapped.Values["Mail:SslCertificate:0"]);
        Assert.Equal("data:-----BEGIN", mapped.Values["Mail:SslCertificate:1"]);
    }

    /// <summary>pid and error_log from -p; without -p from the current directory (OrleansMail's stand-in for nginx's compiled-in prefix).</summary>
    [Fact]
    public void PidAndErrorLogAreResolvedFromThePrefixOrTheCurrentDirectory()
    {
        var file = _files.Write("conf/nginx.conf", "pid run/o.pid;\nerror_log logs/error.log;\nmail { }\n");
        var prefix = Path.Combine(_files.Directory, "prefix");
        var withPrefix = NginxConfiguration.Load(NginxCommandLine.Parse(["-p", prefix, "-c", file])).Mapped;
        Assert.Equal(Path.Combine(prefix, "run", "o.pid"), withPrefix.PidFile);
        Assert.Equal(Path.Combine(prefix, "logs", "error.log"), Assert.Single(withPrefix.ErrorLogs).Path);

        var withoutPrefix = NginxConfiguration.Load(NginxCommandLine.Parse(["-c", file])).Mapped;
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "run", "o.pid"), withoutPrefix.PidFile);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "logs", "error.log"), Assert.Single(withoutPrefix.ErrorLogs).Path);
    }

    /// <summary>include is taken from the -c file's folder, whatever -p says (ngx_conf_include uses the configuration prefix).</summary>
    [Fact]
    public void IncludeIsResolvedFromTheConfigurationFilesFolderWithAndWithoutPrefix()
    {
        _files.Write("conf/mail.d/timeout.conf", "timeout 7s;\n");
        var file = _files.Write("conf/nginx.conf", "mail {\n include mail.d/*.conf;\n}\n");
        foreach (var arguments in new[] { new[] { "-p", Path.Combine(_files.Directory, "prefix"), "-c", file }, ["-c", file] })
            Assert.Equal("7s", NginxConfiguration.Load(NginxCommandLine.Parse(arguments)).Mapped.Values["Mail:Timeout"]);
    }

    /// <summary>Each argument is one capability, quotes included; a repeated directive appends (ngx_mail_capabilities).</summary>
    [Fact]
    public void QuotedCapabilityArgumentsStayWholeForEveryProtocol()
    {
        var servers = _files.Load("""
            mail {
                auth_http 127.0.0.1:9/auth;
                smtp_capabilities "SIZE 10485760" ENHANCEDSTATUSCODES;
                smtp_capabilities 8BITMIME DSN;
                imap_capabilities IMAP4rev1 "X-TWO WORDS";
                pop3_capabilities TOP "SASL-IR X" USER;
                server { listen 127.0.0.1:1025; protocol smtp; }
            }
            """).ReadServers();
        var server = Assert.Single(servers);
        Assert.Equal(["SIZE 10485760", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN"], server.Smtp.Capabilities);
        Assert.Equal(["IMAP4rev1", "X-TWO WORDS"], server.Imap.Capabilities);
        Assert.Equal(["TOP", "SASL-IR X", "USER"], server.Pop3.Capabilities);
    }

    [Fact]
    public void ResolverCacheOptionsAreAcceptedWithAWarningAtTheirLine()
    {
        var nginx = _files.Load("mail {\n auth_http 127.0.0.1:9/a;\n resolver 127.0.0.1 valid=30s ipv6=off status_zone=dns;\n server {\n  listen 25;\n }\n}\n");
        Assert.Equal("127.0.0.1:53", Assert.Single(Assert.Single(nginx.ReadServers()).Smtp.Resolver).ToString());
        Assert.Equal($"resolver valid=30s ipv6=off status_zone=dns: not applied; each client's name is looked up afresh (no resolver cache) in {_files.Directory}/nginx.conf:3",
            Assert.Single(nginx.Mapped.Warnings));
    }
}
