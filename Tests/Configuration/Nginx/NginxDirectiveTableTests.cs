using OrleansMail.Frontend.Configuration.Nginx;

namespace OrleansMail.Tests.Configuration.Nginx;

/// <summary>Every directive of nginx.org/en/docs/mail/ is in the table, mapped or refused; none is silently ignored.</summary>
public sealed class NginxDirectiveTableTests
{
    /// <summary>The directives of nginx.org/en/docs/mail/ (ngx_mail_core, auth_http, proxy, imap, pop3, smtp, ssl, realip modules).</summary>
    public static readonly string[] ReferenceDirectives =
    [
        "mail", "server", "listen", "protocol", "server_name", "timeout", "resolver", "resolver_timeout", "max_errors", "error_log",
        "auth_http", "auth_http_header", "auth_http_pass_client_cert", "auth_http_timeout",
        "proxy", "proxy_buffer", "proxy_pass_error_message", "proxy_protocol", "proxy_smtp_auth", "proxy_timeout", "xclient",
        "imap_auth", "imap_capabilities", "imap_client_buffer", "pop3_auth", "pop3_capabilities",
        "smtp_auth", "smtp_capabilities", "smtp_client_buffer", "smtp_greeting_delay",
        "starttls", "ssl_certificate", "ssl_certificate_key", "ssl_password_file", "ssl_protocols", "ssl_ciphers",
        "ssl_prefer_server_ciphers", "ssl_ecdh_curve", "ssl_dhparam", "ssl_session_cache", "ssl_session_timeout",
        "ssl_session_tickets", "ssl_session_ticket_key", "ssl_certificate_compression", "ssl_conf_command",
        "ssl_verify_client", "ssl_verify_depth", "ssl_client_certificate", "ssl_trusted_certificate", "ssl_crl", "ssl",
        "set_real_ip_from",
    ];

    [Fact]
    public void EveryReferenceDirectiveIsInTheTable()
    {
        var missing = ReferenceDirectives.Where(n => NginxDirectives.Find(n) is null).ToList();
        Assert.Empty(missing);
    }

    public static TheoryData<string> MailDirectives() => new(NginxDirectives.All
        .Where(d => d.Status == NginxDirectiveStatus.Mapped && d.Contexts.HasFlag(NginxContexts.Mail)).Select(d => d.Name));

    /// <summary>Each mapped mail directive, set in mail{}, lands on its key and is inherited by the server (the reader looks there).</summary>
    [Theory]
    [MemberData(nameof(MailDirectives))]
    public void EachMailDirectiveIsMappedToItsKeyInMailAndServer(string name)
    {
        var directive = NginxDirectives.Find(name)!;
        var arguments = string.Join(' ', Enumerable.Repeat(directive.Flag ? "on" : "v", directive.MinArguments));
        using var files = new NginxConfigurationFiles();
        var values = files.Load($"mail {{\n {name} {arguments};\n server {{\n  listen 143;\n  {name} {arguments};\n }}\n}}\n").Mapped.Values;

        var key = directive.ConfigurationKey;
        var suffix = name == "auth_http_header" ? ":v" : directive.Repeatable || directive.Items ? ":0" : "";
        // File arguments come back absolute, from the -c file's folder (nginx's configuration prefix).
        var expected = name == "auth_http_header" ? "v" : string.Join(' ', new NginxPaths(files.Directory, files.Directory).ResolveArguments(name, arguments.Split(' ')));
        Assert.Equal(expected, values[$"Mail:{key}{suffix}"]);
        Assert.Equal(expected, values[$"Mail:Servers:0:{key}{suffix}"]);
        Assert.Contains(key, NginxDirectives.MailKeys);
        Assert.Contains(key, NginxDirectives.ServerKeys);
    }

    [Fact]
    public void EveryDirectiveHasAStatusThatDoesSomething()
    {
        foreach (var directive in NginxDirectives.All)
        {
            switch (directive.Status)
            {
                case NginxDirectiveStatus.Refused or NginxDirectiveStatus.Warned:
                    Assert.False(string.IsNullOrWhiteSpace(directive.Note), $"{directive.Name} is {directive.Status} without a reason");
                    break;
                case NginxDirectiveStatus.Mapped:
                    Assert.False(string.IsNullOrWhiteSpace(directive.Default), $"{directive.Name} has no default for the README");
                    break;
                case NginxDirectiveStatus.NotForMail:
                    Assert.Contains(directive.Contexts, new[] { NginxContexts.Main, NginxContexts.Events });
                    break;
            }
        }
    }

    [Fact]
    public void TheReadmeTableMatchesTheDirectiveTable()
    {
        var readme = File.ReadAllText(Path.Combine(Support.DotnetAppProcess.SolutionDirectory(), "README.md"));
        Assert.Contains(NginxDirectiveReadmeTable.Render(), readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
