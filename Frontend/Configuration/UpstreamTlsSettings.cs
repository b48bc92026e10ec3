using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// TLS to the upstream, with nginx stream-module names (<c>proxy_ssl*</c>), loaded and checked at start-up.
/// </summary>
/// <param name="Mode"><c>ProxySsl off | on | starttls</c>.</param>
/// <param name="Verify"><c>ProxySslVerify</c>: check the upstream's certificate chain and name (default on).</param>
/// <param name="TrustedCertificates"><c>ProxySslTrustedCertificate</c>: the CA bundle that replaces the system roots; null for the system roots.</param>
/// <param name="Pins">
/// <c>ProxySslPin</c>: base64 SHA-256 digests of the upstream certificate's SubjectPublicKeyInfo (HPKP's
/// <c>pin-sha256</c> form). When set, a matching key is what is trusted, instead of a chain to a CA and a name.
/// </param>
/// <param name="Name"><c>ProxySslName</c>: the name verified and sent as SNI; null for the upstream host from Auth-Server.</param>
/// <param name="ClientCertificate"><c>ProxySslCertificate</c> + <c>ProxySslCertificateKey</c>: presented to the upstream.</param>
/// <param name="Protocols"><c>ProxySslProtocols</c>: TLSv1.2 and TLSv1.3 by default.</param>
public sealed record UpstreamTlsSettings(
    UpstreamTlsMode Mode,
    bool Verify,
    X509Certificate2Collection? TrustedCertificates,
    IReadOnlyList<byte[]> Pins,
    string? Name,
    X509Certificate2? ClientCertificate,
    SslProtocols Protocols)
{
    public static readonly UpstreamTlsSettings Plain = new(UpstreamTlsMode.Off, true, null, [], null, null, SslProtocols.Tls12 | SslProtocols.Tls13);
}
