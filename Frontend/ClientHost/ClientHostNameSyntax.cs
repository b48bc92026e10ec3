using System.Globalization;
using System.Text;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>
/// The one rule a PTR name must pass before it is used (CVE-2026-28753, nginx.org/en/security_advisories.html): only ASCII letters,
/// digits, '.' and '-'. The name goes verbatim into the auth request's <c>Client-Host</c> header and into XCLIENT
/// <c>NAME=</c>, so CR/LF, spaces or '=' from an attacker's reverse zone would inject headers or XCLIENT attributes.
/// nginx 1.29.7 answers <c>[TEMPUNAVAIL]</c> for such a name; so do we.
/// </summary>
internal static class ClientHostNameSyntax
{
    /// <summary>True for a non-empty name made only of <c>[A-Za-z0-9.-]</c>.</summary>
    public static bool IsValid(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '.' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The name made safe for one log line: control characters, DEL and non-ASCII characters become RFC 1035 §5.1
    /// <c>\DDD</c> escapes (one per UTF-8 byte), the presentation format DnsClient already uses for such bytes, so
    /// a name DnsClient escaped comes out unchanged. Spaces and '=' stay: they cannot break a log line.
    /// </summary>
    public static string EscapeForLog(string name)
    {
        var escaped = new StringBuilder(name.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c >= ' ' && c < '\u007f')
            {
                escaped.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])
                ? Encoding.UTF8.GetBytes(name.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(name.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                escaped.Append('\\').Append(b.ToString("000", CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }
}
