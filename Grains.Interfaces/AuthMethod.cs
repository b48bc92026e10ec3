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
}
