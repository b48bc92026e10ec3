using System.Text;

namespace OrleansMail.Bench;

/// <summary>
/// The bench users' OAuth bearer tokens (README "Bearer-token logins"): one per user, derived from the user's name so
/// that the load generator, the auth_http server and the introspection endpoint Dovecot asks agree without sharing a
/// table: <c>benchN.</c> followed by RFC 6750 b64token characters up to <see cref="BenchOptions.TokenBytes"/> (6,000 by
/// default: the size of Microsoft 365 tokens, about the largest Dovecot 2.3 takes in one SASL response of 8,192 base64
/// bytes).
/// </summary>
internal static class BearerTokens
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    /// <summary>The token of <paramref name="user"/>, <paramref name="length"/> characters long.</summary>
    public static string For(string user, int length)
    {
        var token = new StringBuilder(length).Append(user).Append('.');
        var seed = (uint)user.Length * 2654435761u;
        foreach (var c in user) seed = seed * 31 + c;
        while (token.Length < length)
        {
            seed = seed * 1664525 + 1013904223; // a fixed pseudo-random filler (Numerical Recipes' LCG): token-like, not a repeated byte
            token.Append(Alphabet[(int)(seed >> 26)]);
        }
        return token.ToString();
    }

    /// <summary>The user a token names (the part before the first dot), when the token is that user's; else null.</summary>
    public static string? UserOf(string token, int length)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0) return null;
        var user = token[..dot];
        return token == For(user, length) ? user : null;
    }

    /// <summary>RFC 7628 §3.1 OAUTHBEARER client message for <paramref name="user"/>, base64: <c>n,a=user,^Aauth=Bearer token^A^A</c>.</summary>
    public static string OAuthBearerResponse(string user, int length) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"n,a={user},\u0001auth=Bearer {For(user, length)}\u0001\u0001"));
}
