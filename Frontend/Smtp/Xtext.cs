using System.Text;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// xtext (RFC 1891 §5): how XCLIENT attribute values travel. Bytes up to SP, '+', '=', DEL and every non-ASCII
/// byte become <c>+XX</c>, so a login cannot add attributes (<c>alice ADDR=1.2.3.4</c>) or commands (CR/LF) to the
/// upstream dialogue (nginx 1.29.2, nginx.org/en/security_advisories.html).
/// </summary>
internal static class Xtext
{
    private const string HexDigits = "0123456789ABCDEF";

    public static string Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            // hexchar: "+" and two upper-case hex digits (RFC 1891 §5), appended as characters: no string per byte.
            if (b <= 0x20 || b == '+' || b == '=' || b >= 0x7F) text.Append('+').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
            else text.Append((char)b);
        }
        return text.ToString();
    }
}
