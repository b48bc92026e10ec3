namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// The SASL mechanisms nginx knows (src/mail/ngx_mail_handler.c), which ones a listener advertises, and the two non-SASL
/// entries of the <c>*_auth</c> directives (APOP, SMTP <c>none</c>).
/// </summary>
[Flags]
public enum SaslMechanisms
{
    None = 0,
    Plain = 1,
    Login = 2,
    CramMd5 = 4,
    External = 8,

    /// <summary>POP3 APOP (RFC 1939): not SASL, but enabled by <c>pop3_auth</c> alongside the mechanisms.</summary>
    Apop = 16,

    /// <summary>SMTP <c>smtp_auth none</c>: not SASL, but listed in <c>smtp_auth</c>.</summary>
    Unauthenticated = 32,

    /// <summary>SASL XOAUTH2: a bearer token (<c>xoauth2</c> in imap_auth / pop3_auth / smtp_auth, as in freenginx 1.27.1).</summary>
    XOAuth2 = 64,

    /// <summary>SASL OAUTHBEARER (RFC 7628): a bearer token (<c>oauthbearer</c>, as in freenginx 1.27.1).</summary>
    OAuthBearer = 128,
}
