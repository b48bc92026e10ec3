using System.Security.Cryptography;

namespace OrleansMail.Frontend.Sasl;

/// <summary>
/// The APOP / CRAM-MD5 challenge, in nginx's form <c>&lt;random.unixtime@server_name&gt;</c> (src/mail/ngx_mail_auth_http_module.c),
/// with a cryptographic random part so it cannot be predicted.
/// </summary>
internal static class SaltGenerator
{
    public static string Create(string serverName, TimeProvider time) =>
        $"<{(uint)RandomNumberGenerator.GetInt32(int.MaxValue)}.{time.GetUtcNow().ToUnixTimeSeconds()}@{serverName}>";
}
