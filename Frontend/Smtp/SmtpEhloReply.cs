using System.Text;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Smtp;

/// <summary>
/// The EHLO reply (src/mail/ngx_mail_smtp_handler.c): <c>250-server_name</c>, a <c>250-</c> line per <c>smtp_capabilities</c>
/// entry, then <c>AUTH</c> with the mechanisms <c>smtp_auth</c> enables (never "none"; no AUTH line when none is
/// enabled); the last line uses <c>250 </c>. Built once per listener.
/// </summary>
internal static class SmtpEhloReply
{
    public static string Build(string serverName, SmtpSettings smtp) => Build(serverName, smtp, StarttlsMode.Off);

    /// <summary>
    /// The EHLO reply before TLS (RFC 3207 §4): <c>STARTTLS</c> last under <c>starttls on|only</c>, and under
    /// <c>only</c> no AUTH line (src/mail/ngx_mail_smtp_handler.c).
    /// </summary>
    public static string Build(string serverName, SmtpSettings smtp, StarttlsMode starttls)
    {
        var lines = new List<string> { serverName };
        lines.AddRange(smtp.Capabilities);
        var mechanisms = new List<string>();
        if (smtp.Auth.HasFlag(SaslMechanisms.Plain)) mechanisms.Add("PLAIN");
        if (smtp.Auth.HasFlag(SaslMechanisms.Login)) mechanisms.Add("LOGIN");
        if (smtp.Auth.HasFlag(SaslMechanisms.CramMd5)) mechanisms.Add("CRAM-MD5");
        if (smtp.Auth.HasFlag(SaslMechanisms.External)) mechanisms.Add("EXTERNAL");
        if (smtp.Auth.HasFlag(SaslMechanisms.XOAuth2)) mechanisms.Add("XOAUTH2");
        if (smtp.Auth.HasFlag(SaslMechanisms.OAuthBearer)) mechanisms.Add("OAUTHBEARER");
        if (mechanisms.Count > 0 && starttls != StarttlsMode.Only) lines.Add("AUTH " + string.Join(' ', mechanisms));
        if (starttls != StarttlsMode.Off) lines.Add("STARTTLS");

        var reply = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
            reply.Append(i == lines.Count - 1 ? "250 " : "250-").Append(lines[i]).Append("\r\n");
        return reply.ToString();
    }
}
