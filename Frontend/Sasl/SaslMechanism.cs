namespace OrleansMail.Frontend.Sasl;

/// <summary>A SASL mechanism a client named in AUTHENTICATE / AUTH (src/mail/ngx_mail_handler.c).</summary>
internal enum SaslMechanism
{
    Plain,
    Login,
    CramMd5,
    External,

    /// <summary>XOAUTH2 (developers.google.com/gmail/imap/xoauth2-protocol): <c>user=…^Aauth=Bearer …^A^A</c>.</summary>
    XOAuth2,

    /// <summary>OAUTHBEARER (RFC 7628): a GS2 header, then <c>auth=Bearer …</c> among ^A-separated pairs.</summary>
    OAuthBearer,
}
