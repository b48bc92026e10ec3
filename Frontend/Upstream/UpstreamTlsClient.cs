using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// One TLS handshake with an upstream as <see cref="UpstreamTlsSettings"/> asks: the name to check and send as SNI
/// (ProxySslName, else the Auth-Server host; an IP literal is checked against the certificate's IP SANs and sends no
/// SNI, RFC 6066 §3), the trust anchor (system roots, ProxySslTrustedCertificate, or ProxySslPin), the client
/// certificate and protocols. A failure throws <see cref="UpstreamTlsException"/> with the reason for the log.
/// </summary>
internal static class UpstreamTlsClient
{
    public static async Task<SslStream> AuthenticateAsync(Stream transport, UpstreamTlsSettings settings, string upstreamHost, CancellationToken cancellationToken)
    {
        var name = settings.Name ?? upstreamHost.Trim('[', ']');
        string? refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = name,
            EnabledSslProtocols = settings.Protocols,
            ClientCertificates = settings.ClientCertificate is { } certificate ? [certificate] : null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                refusal = Check(settings, name, certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate)), errors);
                return refusal is null;
            },
        };
        if (settings.TrustedCertificates is { } roots)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            options.CertificateChainPolicy = policy;
        }

        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            return ssl;
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync();
            throw new UpstreamTlsException(refusal ?? "TLS handshake failed: " + e.Message, e);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>Null when the certificate is acceptable, else why not.</summary>
    private static string? Check(UpstreamTlsSettings settings, string name, X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null) return "the upstream sent no certificate";
        if (settings.Pins.Count > 0)
        {
            // A pin trusts one key, whoever signed it and whatever name it bears (the operator chose that key).
            var digest = SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo());
            return settings.Pins.Any(p => p.AsSpan().SequenceEqual(digest))
                ? null
                : $"certificate public key sha256/{Convert.ToBase64String(digest)} matches no ProxySslPin";
        }
        if (!settings.Verify) return null;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return $"certificate does not match the name \"{name}\" ({certificate.Subject})";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            return $"certificate chain not trusted ({certificate.Subject}, issued by {certificate.Issuer})";
        if (errors != SslPolicyErrors.None) return $"certificate refused: {errors}";
        // .NET checks the IP SAN for an IP-literal target only on some platforms: check it here too.
        if (IPAddress.TryParse(name, out var ip) && !certificate.MatchesHostname(ip.ToString(), allowWildcards: false, allowCommonName: false))
            return $"certificate has no IP SAN {ip}";
        return null;
    }
}
