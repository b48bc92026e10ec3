using System.Net;

namespace OrleansMail.Frontend.Logging;

/// <summary>
/// <c>error_log syslog:server=ADDR[:PORT][,facility=F][,severity=S][,tag=T][,nohostname]</c>, parsed as nginx's
/// ngx_syslog_parse_args (src/core/ngx_syslog.c) does, with its messages: port 514 and facility local7 by default,
/// tag <c>nginx</c> unless given (at most 32 letters, digits or underscores). <c>severity=</c> is accepted as nginx
/// accepts it; as in nginx it only applies to access logs, each error line carrying its own level's severity.
/// </summary>
public sealed record SyslogTarget(string Host, int Port, int Facility, string Tag, bool NoHostname)
{
    public const string Prefix = "syslog:";

    /// <summary>RFC 3164 facility names in code order (kern = 0 … local7 = 23).</summary>
    public static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news", "uucp", "clock", "authpriv", "ftp", "ntp", "audit",
        "alert", "cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] Severities = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"];

    /// <summary>Parses what follows <c>syslog:</c>; <paramref name="error"/> makes the exception for a bad part.</summary>
    public static SyslogTarget Parse(string destination, Func<string, Exception> error)
    {
        string? server = null;
        int? facility = null;
        string? severity = null, tag = null;
        var noHostname = false;
        foreach (var part in destination[Prefix.Length..].Split(','))
        {
            if (part.StartsWith("server=", StringComparison.Ordinal))
            {
                if (server is not null) throw error("duplicate syslog \"server\"");
                server = part[7..];
            }
            else if (part.StartsWith("facility=", StringComparison.Ordinal))
            {
                if (facility is not null) throw error("duplicate syslog \"facility\"");
                var index = Array.IndexOf(Facilities, part[9..]);
                facility = index >= 0 ? index : throw error($"unknown syslog facility \"{part[9..]}\"");
            }
            else if (part.StartsWith("severity=", StringComparison.Ordinal))
            {
                if (severity is not null) throw error("duplicate syslog \"severity\"");
                severity = Severities.Contains(part[9..]) ? part[9..] : throw error($"unknown syslog severity \"{part[9..]}\"");
            }
            else if (part.StartsWith("tag=", StringComparison.Ordinal))
            {
                if (tag is not null) throw error("duplicate syslog \"tag\"");
                tag = part[4..];
                if (tag.Length > 32) throw error("syslog tag length exceeds 32");
                if (!tag.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    throw error("syslog \"tag\" only allows alphanumeric characters and underscore");
            }
            else if (part == "nohostname") noHostname = true;
            else throw error($"unknown syslog parameter \"{part}\"");
        }
        if (server is null) throw error("no syslog server specified");
        var (host, port) = HostAndPort(server, error);
        return new SyslogTarget(host, port, facility ?? 23, tag ?? "nginx", noHostname);
    }

    private static (string Host, int Port) HostAndPort(string server, Func<string, Exception> error)
    {
        if (server.StartsWith("unix:", StringComparison.Ordinal)) throw error($"unix sockets are not supported in syslog server \"{server}\"");
        if (IPAddress.TryParse(server.Trim('[', ']'), out var address) && !server.Contains("]:", StringComparison.Ordinal) && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || !server.Contains(':', StringComparison.Ordinal)))
            return (address.ToString(), 514);
        var colon = server.LastIndexOf(':');
        if (colon <= 0) return (server, 514);
        if (!int.TryParse(server[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw error($"invalid port in syslog server \"{server}\"");
        return (server[..colon].Trim('[', ']'), port);
    }
}
