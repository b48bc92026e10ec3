using System.Text;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// Decodes SASL client responses the way nginx's ngx_mail_auth_* functions do (src/mail/ngx_mail_handler.c), and also refuses
/// credentials containing CR, LF or NUL, which nginx passes on (a hardening nginx lacks: such a login could inject
/// commands into the upstream dialogue or the logs).
/// </summary>
internal static class SaslDecoder
{
    /// <summary>The base64 prompts nginx sends: "Username:" and "Password:".</summary>
    public const string UsernamePrompt = "VXNlcm5hbWU6";
    public const string PasswordPrompt = "UGFzc3dvcmQ6";

    /// <summary>Parses a mechanism name; null when nginx (freenginx 1.27.1 for the bearer-token ones) does not know it.</summary>
    public static SaslMechanism? ParseMechanism(string name) => name.ToUpperInvariant() switch
    {
        "PLAIN" => SaslMechanism.Plain,
        "LOGIN" => SaslMechanism.Login,
        "CRAM-MD5" => SaslMechanism.CramMd5,
        "EXTERNAL" => SaslMechanism.External,
        "XOAUTH2" => SaslMechanism.XOAuth2,
        "OAUTHBEARER" => SaslMechanism.OAuthBearer,
        _ => null,
    };

    /// <summary>Strict base64 to text: bad base64, or a <c>*</c> cancel, is refused.</summary>
    public static bool TryDecodeBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (!IsStrictBase64Shape(text)) return false;
        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(text, buffer, out var written)) return false;
        bytes = buffer[..written];
        return true;
    }

    /// <summary>PLAIN (RFC 4616): <c>authzid NUL authcid NUL passwd</c>; authzid is ignored, as in nginx.</summary>
    public static bool TryDecodePlain(ReadOnlySpan<char> response, out Credentials? credentials)
    {
        credentials = null;
        // Decoded into scratch memory: only the login and password strings outlive the call.
        using var scratch = new SaslScratch(response.Length);
        if (!TryDecodeBase64(response, scratch.Span, out var bytes)) return false;
        var first = bytes.IndexOf((byte)0);
        if (first < 0) return false;
        var rest = bytes[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0) return false;
        var login = rest[..second];
        var password = rest[(second + 1)..];
        if (!IsSafe(login) || !IsSafe(password) || login.Length == 0) return false;
        credentials = new Credentials(Grains.Interfaces.AuthMethod.Plain, Encoding.UTF8.GetString(login), Encoding.UTF8.GetString(password));
        return true;
    }

    /// <summary>One LOGIN step (the user name or the password), base64 text.</summary>
    public static bool TryDecodeText(ReadOnlySpan<char> response, out string text)
    {
        text = "";
        using var scratch = new SaslScratch(response.Length);
        if (!TryDecodeBase64(response, scratch.Span, out var bytes) || !IsSafe(bytes)) return false;
        text = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>
    /// CRAM-MD5 (RFC 2195): the answer decodes to <c>user SP digest</c>, the digest exactly 32 characters (nginx's check).
    /// </summary>
    public static bool TryDecodeCramMd5(ReadOnlySpan<char> response, string salt, out Credentials? credentials)
    {
        credentials = null;
        if (!TryDecodeText(response, out var text)) return false;
        var space = text.LastIndexOf(' ');
        if (space <= 0 || text.Length - space - 1 != 32) return false;
        credentials = new Credentials(Grains.Interfaces.AuthMethod.CramMd5, text[..space], text[(space + 1)..], salt);
        return true;
    }

    /// <summary>EXTERNAL (RFC 4422 App. A): the optional authorization identity; an empty response is allowed.</summary>
    public static bool TryDecodeExternal(ReadOnlySpan<char> response, out Credentials? credentials)
    {
        credentials = null;
        string identity = "";
        if (response is not "=" && response.Length > 0 && !TryDecodeText(response, out identity)) return false;
        credentials = new Credentials(Grains.Interfaces.AuthMethod.External, identity, "");
        return true;
    }

    /// <summary>
    /// Whitespace is refused because <see cref="Convert.TryFromBase64Chars"/> would skip it; the length check also
    /// refuses nginx's cancel <c>*</c>.
    /// </summary>
    private static bool IsStrictBase64Shape(ReadOnlySpan<char> text) =>
        text.Length != 0 && text.Length % 4 == 0 && !text.ContainsAny(" \t\r\n");

    /// <summary>Strict base64 into <paramref name="destination"/>; <paramref name="bytes"/> is the decoded part of it.</summary>
    internal static bool TryDecodeBase64(ReadOnlySpan<char> text, Span<byte> destination, out Span<byte> bytes)
    {
        bytes = default;
        if (!IsStrictBase64Shape(text) || !Convert.TryFromBase64Chars(text, destination, out var written)) return false;
        bytes = destination[..written];
        return true;
    }

    /// <summary>CR, LF and NUL never belong in a login or password.</summary>
    public static bool IsSafe(ReadOnlySpan<byte> value) => value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0;

    public static bool IsSafe(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0;
}
