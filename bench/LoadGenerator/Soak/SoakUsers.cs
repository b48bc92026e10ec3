using System.Security.Cryptography;
using System.Text;

namespace OrleansMail.Bench.Soak;

/// <summary>
/// The soak's accounts. Every user has its own right password, <c>pw-USER</c>, known to the Dovecots' passwd file
/// (bench/soak.sh writes it), to the auth server and to the load generator, which therefore knows whether each login
/// it tries should succeed. Load users <c>loadN</c>, IDLE holders <c>idleN</c>, recovery probes <c>probeN</c>; the
/// credential-stuffing logins <c>stuffN</c> exist nowhere.
/// </summary>
internal static class SoakUsers
{
    public const int LoadUsers = 200;
    public const int ProbeUsers = 8;

    public static bool Exists(string user) =>
        Numbered(user, "load", LoadUsers) || Numbered(user, "idle", 1000) || Numbered(user, "probe", ProbeUsers);

    public static string RightPassword(string user) => "pw-" + user;

    public static bool IsRight(string user, string password) => Exists(user) && password == RightPassword(user);

    /// <summary>
    /// What the auth server's answer log records instead of the secret: 64 bits of SHA-256 over user and secret, enough
    /// to match a client-observed login with the answer that allowed it, never the secret itself.
    /// </summary>
    public static string SecretHash(string user, string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user + "\0" + secret)).AsSpan(0, 8));

    private static bool Numbered(string user, string prefix, int count) =>
        user.StartsWith(prefix, StringComparison.Ordinal)
        && int.TryParse(user.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
        && n < count;
}
