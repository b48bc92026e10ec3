using System.Security.Authentication;

namespace OrleansMail.Frontend.Configuration;

/// <summary><c>starttls off | on | only</c> (src/mail/ngx_mail_ssl_module.c).</summary>
public enum StarttlsMode
{
    /// <summary>STARTTLS/STLS is an invalid command.</summary>
    Off,

    /// <summary>Advertised and accepted while the connection is plaintext.</summary>
    On,

    /// <summary>As <see cref="On"/>, and every way to log in is refused before TLS.</summary>
    Only,
}

/// <summary><c>ssl_verify_client off | on | optional | optional_no_ca</c> (src/mail/ngx_mail_ssl_module.c).</summary>
public enum ClientCertificateMode
{
    Off,
    On,
    Optional,
    OptionalNoCa,
}

/// <summary>One <c>ssl_certificate</c> / <c>ssl_certificate_key</c> pair: PEM files, the key possibly encrypted.</summary>
public sealed record CertificateFiles(string Certificate, string Key);

/// <summary><c>ssl_session_cache</c>: whether the server caches sessions, and how many.</summary>
public sealed record SessionCacheSettings(bool Enabled, int? Size)
{
    /// <summary><c>builtin</c> without a size: OpenSSL's SSL_SESSION_CACHE_MAX_SIZE_DEFAULT.</summary>
    public const int OpenSslDefaultSize = 20 * 1024;

    /// <summary>nginx's default <c>none</c>: a one-entry cache (src/event/ngx_event_openssl.c, ngx_ssl_session_cache).</summary>
    public static readonly SessionCacheSettings None = new(true, 1);
}

/// <summary>One <c>ssl_conf_command name value</c>: an OpenSSL SSL_CONF command (docs.openssl.org, SSL_CONF_cmd).</summary>
public sealed record SslConfCommand(string Name, string Value);

/// <summary>
/// The TLS side of one listener (nginx's <c>ssl_*</c> and <c>starttls</c> directives, src/mail/ngx_mail_ssl_module.c; nginx.org/en/docs/mail/).
/// Present on every listener; <see cref="Enabled"/> says whether TLS is used at all.
/// </summary>
/// <param name="Implicit"><c>listen … ssl</c>: the handshake comes before the greeting.</param>
/// <param name="Starttls"><c>starttls</c>.</param>
/// <param name="Certificates"><c>ssl_certificate</c>/<c>ssl_certificate_key</c>: the default pairs (e.g. RSA and ECDSA side by side).</param>
/// <param name="SniCertificates">Beyond nginx: certificate pairs per server name, chosen by the client's SNI.</param>
/// <param name="PasswordFile"><c>ssl_password_file</c>: passphrases, one a line, tried in order for encrypted keys.</param>
/// <param name="Protocols"><c>ssl_protocols</c> restricted to what the platform offers.</param>
/// <param name="Ciphers"><c>ssl_ciphers</c>: the OpenSSL cipher list for TLS 1.2 (nginx's default HIGH:!aNULL:!MD5).</param>
/// <param name="PreferServerCiphers"><c>ssl_prefer_server_ciphers</c>.</param>
/// <param name="EcdhCurve"><c>ssl_ecdh_curve</c>: "auto" or OpenSSL group names separated by ':'.</param>
/// <param name="DhParamFile"><c>ssl_dhparam</c>: PEM DH parameters for DHE suites.</param>
/// <param name="SessionCache"><c>ssl_session_cache</c>.</param>
/// <param name="SessionTickets"><c>ssl_session_tickets</c>.</param>
/// <param name="SessionTimeout"><c>ssl_session_timeout</c>: the lifetime of cached sessions and tickets.</param>
/// <param name="SessionTicketKeys"><c>ssl_session_ticket_key</c>: files of 48 or 80 bytes, read with the certificates; the first encrypts.</param>
/// <param name="ConfCommands"><c>ssl_conf_command</c>, in order.</param>
/// <param name="VerifyClient"><c>ssl_verify_client</c>.</param>
/// <param name="VerifyDepth"><c>ssl_verify_depth</c>: the most intermediate certificates between a client's and the CA.</param>
/// <param name="ClientCertificateAuthorities"><c>ssl_client_certificate</c>: trusted CAs, also named to the client.</param>
/// <param name="TrustedCertificateAuthorities"><c>ssl_trusted_certificate</c>: trusted CAs, not named to the client.</param>
/// <param name="CrlFile"><c>ssl_crl</c>: a PEM or DER certificate revocation list.</param>
/// <param name="PassClientCertificate"><c>auth_http_pass_client_cert</c>: send Auth-SSL-Cert.</param>
/// <param name="Warnings">What the configuration asks for that the platform cannot do; logged once at start-up.</param>
public sealed record TlsSettings(
    bool Implicit,
    StarttlsMode Starttls,
    IReadOnlyList<CertificateFiles> Certificates,
    IReadOnlyDictionary<string, IReadOnlyList<CertificateFiles>> SniCertificates,
    string? PasswordFile,
    SslProtocols Protocols,
    string Ciphers,
    bool PreferServerCiphers,
    string EcdhCurve,
    string? DhParamFile,
    SessionCacheSettings SessionCache,
    bool SessionTickets,
    TimeSpan SessionTimeout,
    IReadOnlyList<string> SessionTicketKeys,
    IReadOnlyList<SslConfCommand> ConfCommands,
    ClientCertificateMode VerifyClient,
    int VerifyDepth,
    string? ClientCertificateAuthorities,
    string? TrustedCertificateAuthorities,
    string? CrlFile,
    bool PassClientCertificate,
    IReadOnlyList<string> Warnings)
{
    /// <summary>A listener without TLS: no <c>ssl</c> listen parameter and <c>starttls off</c>.</summary>
    public static readonly TlsSettings None = new(false, StarttlsMode.Off, [], new Dictionary<string, IReadOnlyList<CertificateFiles>>(),
        null, SslProtocols.Tls12 | SslProtocols.Tls13, DefaultCiphers, false, "auto", null, SessionCacheSettings.None, true,
        TimeSpan.FromMinutes(5), [], [], ClientCertificateMode.Off, 1,
        null, null, null, false, []);

    /// <summary>nginx's default <c>ssl_ciphers</c> (NGX_DEFAULT_CIPHERS, src/event/ngx_event_openssl.h).</summary>
    public const string DefaultCiphers = "HIGH:!aNULL:!MD5";

    public bool Enabled => Implicit || Starttls != StarttlsMode.Off;
}
