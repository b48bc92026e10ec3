namespace OrleansMail.Frontend.Smtp;

/// <summary>The replies OrleansMail sends itself, worded as nginx words them (src/mail/ngx_mail_smtp_handler.c and ngx_mail_{imap,pop3,smtp}_module.c).</summary>
internal static class SmtpReplies
{
    public const string InvalidArgument = "501 5.5.4 Invalid argument\r\n";
    public const string AuthenticationRequired = "530 5.7.1 Authentication required\r\n";
    public const string BadSequence = "503 5.5.1 Bad sequence of commands\r\n";
    public const string Ok = "250 2.0.0 OK\r\n";
    public const string Bye = "221 2.0.0 Bye\r\n";
    public const string InvalidCommand = "500 5.5.1 Invalid command\r\n";
    public const string InternalError = "451 4.3.2 Internal server error\r\n";

    /// <summary>
    /// The process is stopping and worker_shutdown_timeout has passed: 421, which a server may send at any time before
    /// closing (RFC 5321 3.8), with 4.3.2 "system not accepting network messages" (RFC 3463).
    /// </summary>
    public const string ShuttingDown = "421 4.3.2 Service shutting down, closing transmission channel\r\n";
    public const string CertificateError = "421 4.7.1 SSL certificate error\r\n";
    public const string NoCertificate = "421 4.7.1 No required SSL certificate\r\n";
    public const string StartTls = "220 2.0.0 Start TLS\r\n";

    /// <summary>
    /// Beyond nginx (src/mail/ngx_mail_smtp_handler.c checks starttls only at AUTH alone): MAIL/RCPT under smtp_auth
    /// none and starttls only before TLS (RFC 3207 §4).
    /// </summary>
    public const string StarttlsFirst = "530 5.7.0 Must issue a STARTTLS command first\r\n";

    /// <summary>No decision could be made; RFC 4954 §6: 454 4.7.0 Temporary authentication failure.</summary>
    public const string TemporaryFailure = "454 4.7.0 Temporary authentication failure\r\n";

    /// <summary>A session limit is reached: a temporary failure (RFC 4954 §6, 454 4.7.0) with the limit's text.</summary>
    public static string SessionLimit(string message) => $"454 4.7.0 {message}\r\n";

    /// <summary>smtp_greeting_delay: the client spoke before the greeting (RFC 5321 §4.3.1 forbids it).</summary>
    public const string InvalidPipelining = "503 5.5.0 Improper use of SMTP command pipelining\r\n";

    /// <summary>What nginx answers a SASL login that succeeded upstream, whatever the upstream said.</summary>
    public const string AuthSucceeded = "235 2.0.0 OK\r\n";

    /// <summary>The refusal code when the auth server sends no Auth-Error-Code (src/mail/ngx_mail_auth_http_module.c).</summary>
    public const string DefaultErrorCode = "535 5.7.0";

    public static string Greeting(string serverName) => $"220 {serverName} ESMTP ready\r\n";

    public static string Helo(string serverName) => $"250 {serverName}\r\n";

    /// <summary>A refused login: <c>&lt;Auth-Error-Code or 535 5.7.0&gt; &lt;Auth-Status text&gt;</c>.</summary>
    public static string LoginFailed(string? errorCode, string message) => $"{errorCode ?? DefaultErrorCode} {message}\r\n";

    /// <summary>A SASL continuation: <c>334 </c> and the base64 challenge (empty for PLAIN).</summary>
    public static string Continuation(string challenge) => $"334 {challenge}\r\n";
}
