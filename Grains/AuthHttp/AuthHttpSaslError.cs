using System.Buffers;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>
/// What an <c>Auth-Error-SASL</c> value must be before the front end sends it to a client as a challenge line
/// (<c>+ …</c> / <c>334 …</c>, RFC 7628 §3.2.2): canonical base64 (RFC 4648 §4: the 64-letter alphabet, padding only
/// at the end, a multiple of four characters) of at most <see cref="MaxLength"/> characters. Anything else is
/// ignored, with a warning, and the login is refused without the error exchange. The JSON inside is the auth server's
/// business and is passed on as is.
/// </summary>
internal static class AuthHttpSaslError
{
    /// <summary>
    /// The longest value accepted, in characters (384 bytes of JSON). RFC 7628's error is three short members
    /// (status, scope, openid-configuration); and the whole reply's headers must fit in 1 KB anyway
    /// (nginx's buffer, <c>MaxResponseHeadersLength</c> in <see cref="AuthHttpServiceCollectionExtensions"/>).
    /// </summary>
    public const int MaxLength = 512;

    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    /// <summary>Whether <paramref name="value"/> may be sent to the client.</summary>
    public static bool IsValid(string? value)
    {
        if (value is not { Length: > 0 and <= MaxLength } || value.Length % 4 != 0) return false;
        var body = value.AsSpan().TrimEnd('=');
        return value.Length - body.Length <= 2 && !body.ContainsAnyExcept(Alphabet);
    }
}
