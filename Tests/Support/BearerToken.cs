using System.Security.Cryptography;

namespace OrleansMail.Tests.Support;

/// <summary>Opaque OAuth 2.0 bearer tokens for tests (RFC 6750 b64token characters).</summary>
public static class BearerToken
{
    /// <summary>
    /// A "6 KB" token: 6000 characters, the size Microsoft 365 tokens reach. It is about the largest Dovecot 2.3 takes:
    /// its login processes accept a SASL response of at most 8192 base64 bytes (LOGIN_MAX_AUTH_BUF_SIZE in Dovecot's
    /// src/login-common/client-common.h), and XOAUTH2/OAUTHBEARER carry the token plus about 25 bytes, so 4/3 × 6025 =
    /// 8036 fits while a 6144-byte token (8228 base64 bytes) would not.
    /// </summary>
    public const int SixKilobytes = 6000;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    /// <summary>A fresh random token of <paramref name="length"/> characters (default <see cref="SixKilobytes"/>).</summary>
    public static string Create(int length = SixKilobytes) => RandomNumberGenerator.GetString(Alphabet, length);
}
