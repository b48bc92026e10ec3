using System.Net.Security;
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
/// <param name="CipherSuites"><c>ssl_ciphers</c> mapped onto the platform's suites; null (unset) keeps the platform's defaults.</param>
/// <param name="SessionResumption"><c>ssl_session_cache</c>/<c>ssl_session_tickets</c>: whether a client may resume a session.</param>
/// <param name="SessionTimeout"><c>ssl_session_timeout</c>.</param>
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
    IReadOnlyList<TlsCipherSuite>? CipherSuites,
    bool SessionResumption,
    TimeSpan SessionTimeout,
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
        null, SslProtocols.Tls12 | SslProtocols.Tls13, null, true, TimeSpan.FromMinutes(5), ClientCertificateMode.Off, 1,
        null, null, null, false, []);

    public bool Enabled => Implicit || Starttls != StarttlsMode.Off;
}
