namespace OrleansMail.Frontend.Sasl;

/// <summary>A SASL mechanism a client named in AUTHENTICATE / AUTH (src/mail/ngx_mail_handler.c).</summary>
internal enum SaslMechanism
{
    Plain,
    Login,
    CramMd5,
    External,
}
