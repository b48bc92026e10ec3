using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Imap;

/// <summary>
/// The pre-login CAPABILITY line: <c>imap_capabilities</c> then the <c>AUTH=</c> items that <c>imap_auth</c>
/// enables, in nginx's order (src/mail/ngx_mail_imap_handler.c). Built once per listener.
/// </summary>
internal static class ImapCapabilities
{
    public static string Build(ImapSettings imap) => Build(imap, StarttlsMode.Off);

    /// <summary>
    /// The list before TLS: under <c>starttls on</c> it ends with <c>STARTTLS</c>; under <c>only</c> the AUTH= items
    /// are dropped and it ends with <c>STARTTLS LOGINDISABLED</c> (RFC 9051 §6.2.3, src/mail/ngx_mail_imap_handler.c).
    /// </summary>
    public static string Build(ImapSettings imap, StarttlsMode starttls)
    {
        var items = new List<string>(imap.Capabilities);
        if (starttls == StarttlsMode.Only) return "* CAPABILITY " + string.Join(' ', [.. items, "STARTTLS", "LOGINDISABLED"]) + "\r\n";
        if (imap.Auth.HasFlag(SaslMechanisms.Plain)) items.Add("AUTH=PLAIN");
        if (imap.Auth.HasFlag(SaslMechanisms.Login)) items.Add("AUTH=LOGIN");
        if (imap.Auth.HasFlag(SaslMechanisms.CramMd5)) items.Add("AUTH=CRAM-MD5");
        if (imap.Auth.HasFlag(SaslMechanisms.External)) items.Add("AUTH=EXTERNAL");
        if (imap.Auth.HasFlag(SaslMechanisms.XOAuth2)) items.Add("AUTH=XOAUTH2");
        if (imap.Auth.HasFlag(SaslMechanisms.OAuthBearer)) items.Add("AUTH=OAUTHBEARER");
        if (starttls == StarttlsMode.On) items.Add("STARTTLS");
        return "* CAPABILITY " + string.Join(' ', items) + "\r\n";
    }
}
