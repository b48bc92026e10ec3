using System.Security.Cryptography.X509Certificates;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Tls;

/// <summary>What <c>ssl_verify_client</c> decides about the client's certificate after the handshake (src/mail/ngx_mail_ssl_module.c).</summary>
internal enum ClientCertificateOutcome
{
    /// <summary>Go on; <see cref="ClientCertificateCheck.Verify"/> is what Auth-SSL-Verify says.</summary>
    Accepted,

    /// <summary><c>on</c> and no certificate: nginx's "No required SSL certificate", then close.</summary>
    Missing,

    /// <summary>A certificate that failed verification: nginx's "SSL certificate error", then close.</summary>
    Bad,
}

/// <summary>The verdict and the Auth-SSL-Verify value (SUCCESS, FAILED:reason or NONE).</summary>
internal sealed record ClientCertificateCheck(ClientCertificateOutcome Outcome, string Verify);

/// <summary>
/// Verifies a client certificate as nginx's OpenSSL set-up does: a chain to <c>ssl_client_certificate</c> or
/// <c>ssl_trusted_certificate</c> only (never the system roots), at most <c>ssl_verify_depth</c> certificates above
/// the client's, not revoked by <c>ssl_crl</c> (whose issuer's list must be there and current, as OpenSSL's CRL_CHECK wants).
/// Failure reasons use OpenSSL's wording, which nginx passes on in Auth-SSL-Verify.
/// </summary>
internal sealed class ClientCertificateVerifier
{
    private readonly TlsSettings _settings;
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection _trusted = [];
    private readonly IReadOnlyList<CertificateRevocationList> _crls = [];

    public ClientCertificateVerifier(TlsSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        if (settings.ClientCertificateAuthorities is { } client) ImportAuthorities(_trusted, "ssl_client_certificate", client);
        if (settings.TrustedCertificateAuthorities is { } trusted) ImportAuthorities(_trusted, "ssl_trusted_certificate", trusted);
        if (settings.CrlFile is { } crl) _crls = LoadCrl(crl);
        NamedAuthorities = [];
        if (settings.ClientCertificateAuthorities is { } named) ImportAuthorities(NamedAuthorities, "ssl_client_certificate", named);
    }

    /// <summary>A CA bundle; a file that cannot be read fails naming the file.</summary>
    private static void ImportAuthorities(X509Certificate2Collection into, string directive, string path)
    {
        try { into.ImportFromPemFile(path); }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(directive, path, $"cannot load certificate authorities \"{path}\": {TlsFileException.Reason(e, path)}", e);
        }
    }

    private static IReadOnlyList<CertificateRevocationList> LoadCrl(string path)
    {
        try { return CertificateRevocationList.Load(path); }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException("ssl_crl", path, $"cannot load CRL \"{path}\": {TlsFileException.Reason(e, path)}", e);
        }
    }

    /// <summary><c>ssl_client_certificate</c>: the CAs named to the client in the CertificateRequest.</summary>
    public X509Certificate2Collection NamedAuthorities { get; }

    /// <param name="certificate">The client's certificate, null when it sent none.</param>
    /// <param name="sent">The certificates the client sent with it (intermediates).</param>
    public ClientCertificateCheck Check(X509Certificate2? certificate, X509Certificate2Collection? sent)
    {
        if (certificate is null)
            return new(_settings.VerifyClient == ClientCertificateMode.On ? ClientCertificateOutcome.Missing : ClientCertificateOutcome.Accepted, "NONE");
        var (error, optional) = Verify(certificate, sent);
        if (error is null) return new(ClientCertificateOutcome.Accepted, "SUCCESS");
        // optional_no_ca lets "unknown CA" errors through for the auth server to judge (nginx's ngx_ssl_verify_error_optional).
        var allowed = _settings.VerifyClient == ClientCertificateMode.OptionalNoCa && optional;
        return new(allowed ? ClientCertificateOutcome.Accepted : ClientCertificateOutcome.Bad, "FAILED:" + error);
    }

    private (string? Error, bool Optional) Verify(X509Certificate2 certificate, X509Certificate2Collection? sent)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (sent is not null) chain.ChainPolicy.ExtraStore.AddRange(sent);
        var built = chain.Build(certificate);
        if (!built)
        {
            var status = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b);
            if (status.HasFlag(X509ChainStatusFlags.NotTimeValid))
                return (certificate.NotAfter < DateTime.Now ? "certificate has expired" : "certificate is not yet valid", false);
            if (status.HasFlag(X509ChainStatusFlags.NotSignatureValid)) return ("certificate signature failure", false);
            if (status.HasFlag(X509ChainStatusFlags.UntrustedRoot) || status.HasFlag(X509ChainStatusFlags.PartialChain))
                return certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
                    ? ("self-signed certificate", true)
                    : ("unable to get local issuer certificate", true);
            return (string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())), false);
        }
        // OpenSSL's depth counts the certificates above the client's: with depth 1 a CA must have issued it directly.
        if (chain.ChainElements.Count - 1 > _settings.VerifyDepth) return ("certificate chain too long", false);
        if (_crls.Count > 0 && chain.ChainElements.Count > 1)
        {
            var issuer = chain.ChainElements[1].Certificate;
            var lists = _crls.Where(c => c.IsSignedBy(issuer)).ToList();
            if (lists.Count == 0) return ("unable to get certificate CRL", false);
            if (lists.Any(c => c.IsRevoked(certificate))) return ("certificate revoked", false);
            // OpenSSL checks the list's dates first but goes on to the serial, and nginx's verify callback lets it go
            // on, so a revocation is what a stale list reports; otherwise the stale list itself fails verification.
            var now = _time.GetUtcNow();
            if (!lists.Any(c => c.TimeError(now) is null)) return (lists.Select(c => c.TimeError(now)).First(), false);
        }
        return (null, false);
    }
}
