using System.Buffers;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// nginx's <c>NGX_ESCAPE_MAIL_AUTH</c> (the "memcached" table in <c>ngx_string.c</c>, src/mail/ngx_mail_auth_http_module.c):
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
        // The usual login or password needs nothing: hand back the same string, no copy.
        var first = value.AsSpan().IndexOfAny(Escaped);
        if (first < 0)
        {
            return value;
        }

        // Each escaped char grows by two ("%XX"); count them to build the result in one exact-size string.
        var escaped = 0;
        foreach (var c in value.AsSpan(first))
        {
            if (MustEscape(c))
            {
                escaped++;
            }
        }

        return string.Create(value.Length + (2 * escaped), (value, first), static (destination, state) =>
        {
            var (source, first) = state;
            source.AsSpan(0, first).CopyTo(destination);
            var written = first;
            foreach (var c in source.AsSpan(first))
            {
                if (MustEscape(c))
                {
                    destination[written++] = '%';
                    destination[written++] = HexUpper[c >> 4];
                    destination[written++] = HexUpper[c & 0xF];
                }
                else
                {
                    destination[written++] = c;
                }
            }
        });
    }

    /// <summary>True for the bytes the nginx table escapes: controls, space and the escape character itself.</summary>
    public static bool MustEscape(char c) => c <= ' ' || c == '%';

    /// <summary>The chars <see cref="MustEscape"/> accepts, for a vectorised search.</summary>
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F %");

    private const string HexUpper = "0123456789ABCDEF";
}
