namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// What an SMTP client said before logging in under <c>smtp_auth none</c>: sent to the auth server raw as
/// <c>Auth-SMTP-Helo</c>, <c>Auth-SMTP-From</c> and <c>Auth-SMTP-To</c> (src/mail/ngx_mail_auth_http_module.c), and only with
/// <c>Auth-Method: none</c>.
/// </summary>
/// <param name="Helo">The HELO/EHLO argument, or empty when the client sent none.</param>
/// <param name="From">The whole <c>MAIL FROM:&lt;…&gt; params</c> line, without CRLF.</param>
/// <param name="To">The whole first <c>RCPT TO:&lt;…&gt;</c> line, without CRLF.</param>
[GenerateSerializer, Immutable, Alias("mail.SmtpEnvelope")]
public sealed record SmtpEnvelope(
    [property: Id(0)] string Helo,
    [property: Id(1)] string From,
    [property: Id(2)] string To);
