using System.Text;

namespace OrleansMail.Frontend.Configuration.Nginx;

/// <summary>
/// The directive table of docs/nginx-compatibility.md, rendered from <see cref="NginxDirectives"/> and the differences
/// below, so the document cannot drift from the code (a test checks that the document holds exactly this text).
/// Each row: the directive, where it may stand, what OrleansMail does with it, and where that differs from nginx and why.
/// </summary>
public static class NginxCompatibilityTable
{
    /// <summary>Where OrleansMail behaves differently from nginx for a directive nginx has, and why. Absent: no known difference.</summary>
    private const string BearerTokenMechanisms =
        "Also `xoauth2` and `oauthbearer`, which nginx lacks, as freenginx 1.27.1 has them; before TLS only with `sasl_oauth_plaintext on` (README \"Bearer-token logins\").";

    public static IReadOnlyDictionary<string, string> Differences { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["error_log"] = "With no top-level error_log and no -e, lines go to the console in .NET's format rather than to nginx's compiled-in logs/error.log (a container-friendly default). `*N` counts client connections only (nginx also counts its own auth_http connections). An upstream that refuses the connection is logged when connecting (`connect() to … failed (111: Connection refused) while connecting to upstream`), where nginx notices it when reading (`recv() failed (111: …) while reading response from upstream`). Client-supplied values are escaped as `\\xHH` (nginx writes them raw, so a login could forge a line). `memory:` is refused (nginx debug builds only). The thread id after `PID#` is 0. Every session ends with one more info line, `PROTOCOL session closed (END) after SECONDSs, client ADDR:PORT, TLS, bytes from/to client:N/M` (README \"Logging\", EventId 1021), which nginx's mail module does not write.",
        ["auth_http"] = "Connections to the auth server are pooled (HTTP/1.1 keep-alive) instead of one per attempt; an auth server that cannot be reached gives the temporary-failure reply instead of the internal error; `Auth-Wait` holds the login from that client address prefix cluster-wide (never another prefix or a trusted network), and is capped at 5 minutes; a reply without `Auth-Status` is an internal error (nginx takes it as OK); decisions may be cached (`auth_cache_*`). README \"The auth_http protocol\" lists each.",
        ["proxy_timeout"] = "Traffic in either direction counts as activity, so an IMAP IDLE client that receives updates is not cut off.",
        ["pop3_client_buffer"] = "nginx has no such directive (its POP3 line buffer is fixed at 128 bytes); OrleansMail makes it a setting.",
        ["imap_auth"] = BearerTokenMechanisms,
        ["pop3_auth"] = BearerTokenMechanisms,
        ["smtp_auth"] = BearerTokenMechanisms,
        ["imap_capabilities"] = "IMAP `ID` is answered (`* ID NIL`) before login, where nginx answers BAD and breaks clients that send it.",
        ["ssl_protocols"] = "Only what .NET and the system's OpenSSL policy allow: TLSv1 and TLSv1.1 are dropped with a warning, TLSv1.2 and TLSv1.3 serve.",
        ["ssl_session_cache"] = "`shared:NAME:SIZE` is the Frontend process's own cache, sized as nginx's zone: nginx shares a zone between the worker processes of one host, and a Frontend is one process per host. Across Frontends sessions resume by ticket (`ssl_session_ticket_key`).",
        ["ssl_certificate_compression"] = "`on` is refused at start-up, where nginx on OpenSSL 3.0 ignores it with a warning: certificate compression needs OpenSSL 3.2.",
        ["ssl"] = "Accepted with nginx's own deprecation warning (nginx 1.25.1 removed it); it adds `ssl` to the listen directives in its scope.",
        ["proxy"] = "None: nginx parses it and never uses it; here too it has no effect, with a warning saying so.",
        ["worker_processes"] = "One .NET process serves every connection on its thread pool; run more Frontend processes (a cluster) to use more machines.",
        ["pid"] = "None in the file's format; see README \"Running from an nginx configuration file\" for when it is written.",
    };

    public static string Render()
    {
        var table = new StringBuilder();
        table.Append("| Directive | Context | What OrleansMail does | Differs from nginx (why) |\n|---|---|---|---|\n");
        foreach (var directive in NginxDirectives.All)
        {
            var does = directive.Status switch
            {
                NginxDirectiveStatus.Mapped when directive.Note?.StartsWith("OrleansMail only", StringComparison.Ordinal) == true =>
                    $"OrleansMail only, key `{directive.ConfigurationKey}`",
                NginxDirectiveStatus.Mapped => $"honoured, key `{directive.ConfigurationKey}`",
                NginxDirectiveStatus.Block => "the block that gives its directives their place",
                NginxDirectiveStatus.NotForMail => "accepted, listed once in a start-up warning, no effect",
                NginxDirectiveStatus.Warned => "accepted with a warning",
                NginxDirectiveStatus.Process => "honoured by the process",
                _ => "refused at start-up",
            };
            var note = string.IsNullOrEmpty(directive.Note) ? "" : $": {directive.Note}";
            var differs = Differences.GetValueOrDefault(directive.Name) ?? "—";
            table.Append($"| `{directive.Name}` | {Context(directive.Contexts)} | {Cell(does + note)} | {Cell(differs)} |\n");
        }
        return table.ToString();
    }

    private static string Context(NginxContexts contexts) =>
        string.Join(", ", new[] { (NginxContexts.Main, "main"), (NginxContexts.Mail, "mail"), (NginxContexts.Server, "server"), (NginxContexts.Upstream, "upstream") }
            .Where(c => contexts.HasFlag(c.Item1)).Select(c => c.Item2));

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
