namespace OrleansMail.Frontend.Pop3;

/// <summary>The replies OrleansMail sends itself, worded as nginx words them (src/mail/ngx_mail_pop3_handler.c and ngx_mail_{imap,pop3,smtp}_module.c).</summary>
internal static class Pop3Replies
{
    public const string Ok = "+OK\r\n";
    public const string InvalidCommand = "-ERR invalid command\r\n";
    public const string InternalError = "-ERR internal server error\r\n";

    /// <summary>The process is stopping and worker_shutdown_timeout has passed: a temporary condition (RFC 3206 SYS/TEMP), the client may reconnect.</summary>
    public const string ShuttingDown = "-ERR [SYS/TEMP] Server shutting down\r\n";
    public const string CertificateError = "-ERR SSL certificate error\r\n";
    public const string NoCertificate = "-ERR No required SSL certificate\r\n";

    /// <summary>No decision could be made; RFC 3206 SYS/TEMP: a temporary system problem.</summary>
    public const string TemporaryFailure = "-ERR [SYS/TEMP] Temporary authentication failure\r\n";

    /// <summary>A session limit is reached: as Dovecot's pop3-login answers mail_max_userip_connections (RFC 3206 SYS/TEMP).</summary>
    public static string SessionLimit(string message) => $"-ERR [SYS/TEMP] {message}\r\n";

    /// <summary>
    /// <c>+OK POP3 ready</c>; with APOP or CRAM-MD5 enabled, followed by the session's salt, the APOP timestamp of
    /// RFC 1939 §7 that CRAM-MD5 reuses as its challenge.
    /// </summary>
    public static string Greeting(string? salt) => salt is null ? "+OK POP3 ready\r\n" : $"+OK POP3 ready {salt}\r\n";

    /// <summary>A refused login: the auth server's text as is (src/mail/ngx_mail_auth_http_module.c).</summary>
    public static string LoginFailed(string message) => $"-ERR {message}\r\n";

    /// <summary>A SASL continuation (RFC 5034 §4): <c>+ </c> and the base64 challenge (empty for PLAIN).</summary>
    public static string Continuation(string challenge) => $"+ {challenge}\r\n";
}
