using System.Security.Cryptography;
using System.Text;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Checks a CRAM-MD5 (RFC 2195: HMAC-MD5 keyed by the password over the challenge) or APOP (RFC 1939 §7:
/// MD5 of the timestamp followed by the password) digest against a known password.
/// </summary>
internal static class ChallengeDigest
{
    public static bool Matches(AuthMethod method, string salt, string password, string clientDigest)
    {
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var saltBytes = Encoding.UTF8.GetBytes(salt);
        byte[] expected = method switch
        {
            AuthMethod.CramMd5 => HMACMD5.HashData(passwordBytes, saltBytes),
            AuthMethod.Apop => MD5.HashData([.. saltBytes, .. passwordBytes]),
            _ => [],
        };
        if (expected.Length == 0) return false;
        var expectedHex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(expected));
        var clientHex = Encoding.ASCII.GetBytes(clientDigest.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expectedHex, clientHex);
    }
}
