namespace OrleansMail.Frontend.Imap;

/// <summary>The replies OrleansMail sends itself, worded as nginx words them (src/mail/ngx_mail_imap_handler.c and ngx_mail_{imap,pop3,smtp}_module.c).</summary>
internal static class ImapReplies
{
    public const string Greeting = "* OK IMAP4 ready\r\n";
    public const string InternalError = "* BAD internal server error\r\n";

    /// <summary>The process is stopping and worker_shutdown_timeout has passed: the untagged BYE a server may send at any time (RFC 9051 7.1.5).</summary>
    public const string ShuttingDown = "* BYE Server shutting down\r\n";
    public const string Bye = "* BYE\r\n";
    public const string LiteralContinuation = "+ OK\r\n";
    public const string CertificateError = "* BYE SSL certificate error\r\n";
    public const string NoCertificate = "* BYE No required SSL certificate\r\n";

    /// <summary>RFC 2971: the proxy has nothing to say about itself before login; the upstream answers ID after it.</summary>
    public const string IdNil = "* ID NIL\r\n";

    public static string Completed(string tag) => $"{tag} OK completed\r\n";

    public static string InvalidCommand(string tag) => $"{tag} BAD invalid command\r\n";

    /// <summary>A refused login; the auth server's text goes through as is, so <c>[AUTHENTICATIONFAILED] …</c> works.</summary>
    public static string LoginFailed(string tag, string message) => $"{tag} NO {message}\r\n";

    /// <summary>No decision could be made; RFC 5530 UNAVAILABLE: "temporary failure … try again later".</summary>
    public static string TemporaryFailure(string tag) => $"{tag} NO [UNAVAILABLE] Temporary authentication failure\r\n";

    /// <summary>
    /// A session limit is reached: Dovecot's reply to a full mail_max_userip_connections, a temporary failure
    /// (RFC 5530 UNAVAILABLE) with the limit's text, since the client may well succeed once a session closes.
    /// </summary>
    public static string SessionLimit(string tag, string message) => $"{tag} NO [UNAVAILABLE] {message}\r\n";

    /// <summary>A SASL continuation: <c>+ </c> and the base64 challenge (empty for PLAIN).</summary>
    public static string Continuation(string challenge) => $"+ {challenge}\r\n";
}
