using System.Security.Cryptography;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// The APOP / CRAM-MD5 challenge, in nginx's form <c>&lt;random.unixtime@server_name&gt;</c> (nginx-mail.md §2.2),
/// with a cryptographic random part so it cannot be predicted.
/// </summary>
internal static class SaltGenerator
{
    public static string Create(string serverName, TimeProvider time) =>
        $"<{(uint)RandomNumberGenerator.GetInt32(int.MaxValue)}.{time.GetUtcNow().ToUnixTimeSeconds()}@{serverName}>";
}
