using System.Text;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// Decodes the two bearer-token mechanisms' client responses, as freenginx 1.27.1 accepts them
/// (src/mail/ngx_mail_parse.c and ngx_mail_handler.c there): the login is the message's user, the secret its token.
/// Base64 is strict, as for every SASL response (<see cref="SaslDecoder"/>); CR, LF and NUL anywhere in the message
/// are refused, as for every other login.
/// </summary>
internal static class BearerTokenDecoder
{
    /// <summary>kvsep (RFC 7628 §3.1): ends each key=value pair, and the message.</summary>
    private const byte KvSep = 0x01;

    /// <summary>
    /// XOAUTH2 (developers.google.com/gmail/imap/xoauth2-protocol): <c>user=U ^A auth=Bearer T ^A ^A</c>, the same
    /// key=value pairs as OAUTHBEARER's without the GS2 header; the user must not be empty.
    /// </summary>
    public static bool TryDecodeXOAuth2(ReadOnlySpan<char> response, out Credentials? credentials)
    {
        credentials = null;
        using var scratch = new SaslScratch(response.Length);
        if (!SaslDecoder.TryDecodeBase64(response, scratch.Span, out var message) || !SaslDecoder.IsSafe(message)) return false;
        if (!TryReadPairs(message, out var user, out var token) || user.IsEmpty) return false;
        credentials = new Credentials(AuthMethod.XOAuth2, Encoding.UTF8.GetString(user), Encoding.ASCII.GetString(token));
        return true;
    }

    /// <summary>
    /// OAUTHBEARER (RFC 7628 §3.1): <c>gs2-header ^A *(key=value ^A) ^A</c>. The GS2 header (RFC 5801 §4) is
    /// <c>n,a=saslname,</c> or <c>y,a=saslname,</c>; channel binding (<c>p=</c>) is refused, the server offering none.
    /// The user is the <c>a=</c> authorization identity, required here: the decision is made per user, and an empty one
    /// would pool every such client together. host and port are ignored, as in freenginx.
    /// </summary>
    public static bool TryDecodeOAuthBearer(ReadOnlySpan<char> response, out Credentials? credentials)
    {
        credentials = null;
        using var scratch = new SaslScratch(response.Length);
        if (!SaslDecoder.TryDecodeBase64(response, scratch.Span, out var message) || !SaslDecoder.IsSafe(message)) return false;
        if (!TryReadGs2Header(message, out var saslName, out var length) || message[length] != KvSep) return false;
        if (!TryReadPairs(message[(length + 1)..], out _, out var token)) return false;
        if (!TryUnescapeSaslName(saslName, out var user)) return false;
        credentials = new Credentials(AuthMethod.OAuthBearer, user, Encoding.ASCII.GetString(token));
        return true;
    }

    /// <summary>
    /// <c>gs2-cb-flag "," "a=" saslname ","</c> with the flag <c>n</c> or <c>y</c>; <paramref name="length"/> is the
    /// header's length, the kvsep after it not included.
    /// </summary>
    private static bool TryReadGs2Header(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> saslName, out int length)
    {
        saslName = default;
        length = 0;
        if (!message.StartsWith("n,a="u8) && !message.StartsWith("y,a="u8)) return false;
        var name = message[4..];
        var comma = name.IndexOf((byte)',');
        if (comma <= 0) return false;
        saslName = name[..comma];
        length = 4 + comma + 1;
        return length < message.Length;
    }

    /// <summary>
    /// saslname (RFC 5801 §4): <c>=2C</c> is a comma, <c>=3D</c> an equals sign, any other <c>=</c> is malformed
    /// (RFC 5801 §5: the message is then refused).
    /// </summary>
    private static bool TryUnescapeSaslName(ReadOnlySpan<byte> escaped, out string name)
    {
        name = "";
        var unescaped = new byte[escaped.Length];
        var written = 0;
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != (byte)'=')
            {
                unescaped[written++] = escaped[i];
                continue;
            }
            var code = escaped[(i + 1)..];
            if (code.StartsWith("2C"u8)) unescaped[written++] = (byte)',';
            else if (code.StartsWith("3D"u8)) unescaped[written++] = (byte)'=';
            else return false;
            i += 2;
        }
        name = Encoding.UTF8.GetString(unescaped, 0, written);
        return true;
    }

    /// <summary>
    /// <c>*(key "=" value kvsep) kvsep</c> (RFC 7628 §3.1), keys <c>1*ALPHA</c>: exactly one <c>auth</c> pair with a
    /// valid bearer credential (<paramref name="token"/>), at most one <c>user</c> pair (XOAUTH2's); other keys ignored.
    /// </summary>
    private static bool TryReadPairs(ReadOnlySpan<byte> pairs, out ReadOnlySpan<byte> user, out ReadOnlySpan<byte> token)
    {
        user = default;
        token = default;
        bool hasUser = false, hasAuth = false;
        while (!(pairs.Length == 1 && pairs[0] == KvSep))
        {
            var end = pairs.IndexOf(KvSep);
            if (end < 0) return false; // no closing kvsep: the final ^A is missing
            var pair = pairs[..end];
            pairs = pairs[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            if (equals <= 0 || !IsAlpha(pair[..equals])) return false;
            var key = pair[..equals];
            var value = pair[(equals + 1)..];
            if (key.SequenceEqual("auth"u8))
            {
                if (hasAuth || !TryReadBearerCredentials(value, out token)) return false;
                hasAuth = true;
            }
            else if (key.SequenceEqual("user"u8))
            {
                if (hasUser) return false;
                hasUser = true;
                user = value;
            }
        }
        return hasAuth;
    }

    /// <summary>
    /// <c>"Bearer" 1*SP b64token</c> (RFC 6750 §2.1), the scheme case-insensitive as every HTTP auth-scheme (RFC 9110 §11.1).
    /// </summary>
    private static bool TryReadBearerCredentials(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> token)
    {
        token = default;
        if (value.Length < 7 || !Ascii.EqualsIgnoreCase(value[..6], "Bearer"u8) || value[6] != (byte)' ') return false;
        token = value[7..].TrimStart((byte)' ');
        return IsB64Token(token);
    }

    /// <summary><c>b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</c> (RFC 6750 §2.1).</summary>
    private static bool IsB64Token(ReadOnlySpan<byte> token)
    {
        var body = token.TrimEnd((byte)'=');
        if (body.IsEmpty) return false;
        foreach (var b in body)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'+' or (byte)'/'))
                return false;
        }
        return true;
    }

    private static bool IsAlpha(ReadOnlySpan<byte> key)
    {
        foreach (var b in key)
        {
            if (!char.IsAsciiLetter((char)b)) return false;
        }
        return true;
    }
}
