using System.Text;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// nginx's <c>NGX_ESCAPE_MAIL_AUTH</c> (the "memcached" table in <c>ngx_string.c</c>, nginx-mail.md §2.2):
/// only bytes 0x00–0x1F, space (0x20) and <c>%</c> become <c>%XX</c> with upper-case hex; everything else,
/// including 0x7F, <c>+</c>, <c>"</c> and UTF-8 bytes ≥ 0x80, passes raw. Auth servers written for nginx
/// percent-decode exactly this, so we must produce exactly this and nothing "better".
/// </summary>
internal static class AuthHttpEscaping
{
    /// <summary>
    /// Escapes a value for <c>Auth-User</c>, <c>Auth-Pass</c> or <c>Auth-SSL-Cert</c>. nginx works on bytes;
    /// every escaped byte is ASCII, and a UTF-8 byte ≥ 0x80 is never escaped, so working on UTF-16 chars and
    /// letting the handler encode the header as UTF-8 gives the same bytes on the wire.
    /// </summary>
    public static string Escape(string value)
    {
        if (!NeedsEscaping(value))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                sb.Append('%').Append(HexUpper[c >> 4]).Append(HexUpper[c & 0xF]);
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>True for the bytes the nginx table escapes: controls, space and the escape character itself.</summary>
    public static bool MustEscape(char c) => c <= ' ' || c == '%';

    private static bool NeedsEscaping(string value)
    {
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                return true;
            }
        }

        return false;
    }

    private const string HexUpper = "0123456789ABCDEF";
}
