namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// One login attempt as the front end saw it: everything the auth server is told (src/mail/ngx_mail_auth_http_module.c).
/// </summary>
/// <param name="Protocol">The client's protocol.</param>
/// <param name="Method">The authentication method, in nginx's naming.</param>
/// <param name="Login">The login the client gave (may be empty for EXTERNAL).</param>
/// <param name="Secret">The password, or for APOP/CRAM-MD5 the client's 32-hex digest; empty for EXTERNAL.</param>
/// <param name="Salt">The challenge for APOP/CRAM-MD5 (<c>&lt;random.time@server_name&gt;</c>), else null.</param>
/// <param name="ClientIp">The client's address as text.</param>
/// <param name="AttemptNumber">1, 2, … per attempt on this connection (<c>Auth-Login-Attempt</c>).</param>
/// <param name="Tls">The client's TLS session, or null for plaintext.</param>
/// <param name="AuthServer">Which auth server to ask, and how.</param>
/// <param name="ClientHost">
/// SMTP only: the client's forward-confirmed host name, <c>[UNAVAILABLE]</c> or <c>[TEMPUNAVAIL]</c>
/// (<c>Client-Host</c>); null for IMAP and POP3, which never send it.
/// </param>
/// <param name="Smtp">SMTP under <c>smtp_auth none</c>: the HELO, MAIL and RCPT lines; else null.</param>
/// <param name="ProxyProtocol">The client connection's PROXY protocol header, or null when the listener takes none.</param>
/// <param name="FrontEnd">
/// The front end process asking, which then holds a <see cref="SessionLease"/> for an allowed login while its session
/// runs; null (a caller that runs no session) takes no slot under the session limits.
/// </param>
[GenerateSerializer, Immutable, Alias("mail.LoginAttempt")]
public sealed record LoginAttempt(
    [property: Id(0)] MailProtocol Protocol,
    [property: Id(1)] AuthMethod Method,
    [property: Id(2)] string Login,
    [property: Id(3)] string Secret,
    [property: Id(4)] string? Salt,
    [property: Id(5)] string ClientIp,
    [property: Id(6)] int AttemptNumber,
    [property: Id(7)] TlsFacts? Tls,
    [property: Id(8)] AuthHttpEndpoint AuthServer,
    [property: Id(9)] string? ClientHost = null,
    [property: Id(10)] SmtpEnvelope? Smtp = null,
    [property: Id(11)] ProxyProtocolFacts? ProxyProtocol = null,
    [property: Id(12)] string? FrontEnd = null)
{
    /// <summary>Never print the secret: records print every property by default.</summary>
    public override string ToString() =>
        $"LoginAttempt {{ Protocol = {Protocol}, Method = {Method}, Login = {Login}, ClientIp = {ClientIp}, AttemptNumber = {AttemptNumber} }}";
}
