namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// How the client proved its identity, as nginx names it in <c>Auth-Method</c>
/// (src/mail/ngx_mail_auth_http_module.c): IMAP LOGIN, POP3 USER/PASS, SASL PLAIN and SASL LOGIN are all <see cref="Plain"/>.
/// </summary>
[GenerateSerializer, Alias("mail.AuthMethod")]
public enum AuthMethod
{
    Plain = 0,
    Apop = 1,
    CramMd5 = 2,
    External = 3,
    /// <summary>SMTP MAIL/RCPT under <c>smtp_auth none</c>.</summary>
    None = 4,

    /// <summary>
    /// SASL XOAUTH2 (Google's bearer-token mechanism, developers.google.com/gmail/imap/xoauth2-protocol): the login is
    /// the message's <c>user=</c>, the secret its bearer token. <c>Auth-Method: xoauth2</c>, as freenginx 1.27.1 sends it.
    /// </summary>
    XOAuth2 = 5,

    /// <summary>
    /// SASL OAUTHBEARER (RFC 7628): the login is the GS2 header's <c>a=</c>, the secret the bearer token.
    /// <c>Auth-Method: oauthbearer</c>, as freenginx 1.27.1 sends it.
    /// </summary>
    OAuthBearer = 6,
}

/// <summary>Facts about the methods that every part deciding a login needs alike.</summary>
public static class AuthMethods
{
    /// <summary>The secret is an OAuth 2.0 bearer token (RFC 6750): a password that the auth server, not a password database, judges.</summary>
    public static bool IsBearerToken(this AuthMethod method) => method is AuthMethod.XOAuth2 or AuthMethod.OAuthBearer;
}
