using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.AuthHttp;

/// <summary>The header names and token values of the auth_http protocol, spelled as nginx sends them (src/mail/ngx_mail_auth_http_module.c).</summary>
internal static class AuthHttpNames
{
    public const string Method = "Auth-Method";
    public const string User = "Auth-User";
    public const string Pass = "Auth-Pass";
    public const string Salt = "Auth-Salt";
    public const string Protocol = "Auth-Protocol";
    public const string LoginAttempt = "Auth-Login-Attempt";
    public const string ClientIp = "Client-IP";
    public const string ClientHost = "Client-Host";
    public const string ProxyProtocolAddr = "Proxy-Protocol-Addr";
    public const string ProxyProtocolPort = "Proxy-Protocol-Port";
    public const string ProxyProtocolServerAddr = "Proxy-Protocol-Server-Addr";
    public const string ProxyProtocolServerPort = "Proxy-Protocol-Server-Port";
    public const string SmtpHelo = "Auth-SMTP-Helo";
    public const string SmtpFrom = "Auth-SMTP-From";
    public const string SmtpTo = "Auth-SMTP-To";
    public const string Ssl = "Auth-SSL";
    public const string SslProtocol = "Auth-SSL-Protocol";
    public const string SslCipher = "Auth-SSL-Cipher";
    public const string SslVerify = "Auth-SSL-Verify";
    public const string SslSubject = "Auth-SSL-Subject";
    public const string SslIssuer = "Auth-SSL-Issuer";
    public const string SslSerial = "Auth-SSL-Serial";
    public const string SslFingerprint = "Auth-SSL-Fingerprint";
    public const string SslCert = "Auth-SSL-Cert";

    public const string Status = "Auth-Status";
    public const string Server = "Auth-Server";
    public const string Port = "Auth-Port";
    public const string Wait = "Auth-Wait";
    public const string ErrorCode = "Auth-Error-Code";

    /// <summary>
    /// Our extension (README "auth_http"): seconds this reply may be reused by the login cache; 0 = don't cache.
    /// nginx ignores unknown reply headers, so an auth server can send it to both.
    /// </summary>
    public const string CacheTtl = "Auth-Cache-TTL";

    /// <summary>
    /// A refused XOAUTH2/OAUTHBEARER login: base64 of RFC 7628's JSON error (§3.2.2), sent to the client as a last
    /// challenge (freenginx 1.27.1 and Angie, src/mail/ngx_mail_auth_http_module.c there). Matched case-insensitively,
    /// like every reply header (freenginx's own tests send <c>Auth-Error-Sasl</c>).
    /// </summary>
    public const string ErrorSasl = "Auth-Error-SASL";

    /// <summary><c>Auth-Method</c> token: IMAP LOGIN, USER/PASS, SASL PLAIN and LOGIN are all "plain".</summary>
    public static string For(AuthMethod method) => method switch
    {
        AuthMethod.Plain => "plain",
        AuthMethod.Apop => "apop",
        AuthMethod.CramMd5 => "cram-md5",
        AuthMethod.External => "external",
        AuthMethod.None => "none",
        AuthMethod.XOAuth2 => "xoauth2",
        AuthMethod.OAuthBearer => "oauthbearer",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown auth method"),
    };

    /// <summary><c>Auth-Protocol</c> token.</summary>
    public static string For(MailProtocol protocol) => protocol switch
    {
        MailProtocol.Imap => "imap",
        MailProtocol.Pop3 => "pop3",
        MailProtocol.Smtp => "smtp",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "unknown protocol"),
    };
}
