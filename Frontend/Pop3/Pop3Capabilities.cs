using System.Text;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Pop3;

/// <summary>
/// The two multi-line replies that depend only on the listener's settings, built once per listener in nginx's
/// wording and order (src/mail/ngx_mail_pop3_handler.c): CAPA (RFC 2449) and AUTH without arguments (RFC 5034 §4 leaves the
/// no-argument form to the server; nginx lists its mechanisms).
/// </summary>
internal static class Pop3Capabilities
{
    /// <summary>
    /// <c>+OK Capability list follows</c>, the <c>pop3_capabilities</c> one per line, <c>SASL</c> and the enabled
    /// mechanisms (the line stays, empty, when only APOP is enabled, as in nginx), then <c>.</c>.
    /// </summary>
    public static string BuildCapa(Pop3Settings pop3) => BuildCapa(pop3, StarttlsMode.Off);

    /// <summary>
    /// CAPA before TLS (RFC 2595 §4): under <c>starttls on</c> the list ends with <c>STLS</c>; under <c>only</c>
    /// there is no <c>USER</c> and no <c>SASL</c> line, only <c>STLS</c> (src/mail/ngx_mail_pop3_handler.c).
    /// </summary>
    public static string BuildCapa(Pop3Settings pop3, StarttlsMode starttls)
    {
        var reply = new StringBuilder("+OK Capability list follows\r\n");
        foreach (var capability in pop3.Capabilities)
            if (starttls != StarttlsMode.Only || !capability.Equals("USER", StringComparison.OrdinalIgnoreCase)) reply.Append(capability).Append("\r\n");
        if (starttls != StarttlsMode.Only)
        {
            reply.Append("SASL");
            foreach (var mechanism in Mechanisms(pop3.Auth)) reply.Append(' ').Append(mechanism);
            reply.Append("\r\n");
        }
        if (starttls != StarttlsMode.Off) reply.Append("STLS\r\n");
        return reply.Append(".\r\n").ToString();
    }

    /// <summary><c>+OK methods supported:</c>, the enabled mechanisms one per line, then <c>.</c>.</summary>
    public static string BuildAuthList(Pop3Settings pop3)
    {
        var reply = new StringBuilder("+OK methods supported:\r\n");
        foreach (var mechanism in Mechanisms(pop3.Auth)) reply.Append(mechanism).Append("\r\n");
        return reply.Append(".\r\n").ToString();
    }

    private static IEnumerable<string> Mechanisms(SaslMechanisms enabled)
    {
        if (enabled.HasFlag(SaslMechanisms.Plain)) yield return "PLAIN";
        if (enabled.HasFlag(SaslMechanisms.Login)) yield return "LOGIN";
        if (enabled.HasFlag(SaslMechanisms.CramMd5)) yield return "CRAM-MD5";
        if (enabled.HasFlag(SaslMechanisms.External)) yield return "EXTERNAL";
        if (enabled.HasFlag(SaslMechanisms.XOAuth2)) yield return "XOAUTH2";
        if (enabled.HasFlag(SaslMechanisms.OAuthBearer)) yield return "OAUTHBEARER";
    }
}
