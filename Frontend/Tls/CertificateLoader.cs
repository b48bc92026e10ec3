using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// Reads one <c>ssl_certificate</c>/<c>ssl_certificate_key</c> pair from PEM files into the context SslStream
/// uses: the first certificate of the file is the server's, the rest its chain (as nginx reads it). An encrypted key
/// is opened with each passphrase of <c>ssl_password_file</c> in turn. Error messages name files, never key bytes.
/// </summary>
internal static class CertificateLoader
{
    public static SslCertificate Load(CertificateFiles files, string? passwordFile, X509Certificate2Collection? trust, bool sendTrust)
    {
        var chain = new X509Certificate2Collection();
        try { chain.ImportFromPemFile(files.Certificate); }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw Certificate(files, TlsFileException.Reason(e, files.Certificate), e);
        }
        if (chain.Count == 0) throw Certificate(files, "no PEM certificate in the file");

        var leaf = WithKey(chain[0], files, passwordFile);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++) intermediates.Add(chain[i]);
        var trustList = trust is null ? null : System.Net.Security.SslCertificateTrust.CreateForX509Collection(trust, sendTrust);
        var context = System.Net.Security.SslStreamCertificateContext.Create(leaf, intermediates, offline: true, trustList);
        return new SslCertificate(leaf, context);
    }

    private static TlsFileException Certificate(CertificateFiles files, string reason, Exception? inner = null) =>
        new("ssl_certificate", files.Certificate, $"cannot load certificate \"{files.Certificate}\": {reason}", inner);

    private static TlsFileException Key(CertificateFiles files, string reason, Exception? inner = null) =>
        new("ssl_certificate_key", files.Key, $"cannot load certificate key \"{files.Key}\": {reason}", inner);

    private static X509Certificate2 WithKey(X509Certificate2 certificate, CertificateFiles files, string? passwordFile)
    {
        string keyPem;
        try { keyPem = File.ReadAllText(files.Key); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Key(files, TlsFileException.Reason(e, files.Key), e);
        }
        var encrypted = keyPem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal);
        if (!encrypted) return Attach(certificate, files, password: null, keyPem);
        if (passwordFile is null) throw Key(files, "the key is encrypted and no ssl_password_file is set");
        foreach (var password in TlsFileException.Read("ssl_password_file", passwordFile, File.ReadAllLines))
        {
            try { return Attach(certificate, files, password, keyPem); }
            catch (CryptographicException) { }
        }
        throw Key(files, $"no passphrase in \"{passwordFile}\" opens it");
    }

    private static X509Certificate2 Attach(X509Certificate2 certificate, CertificateFiles files, string? password, string keyPem)
    {
        try
        {
            using var publicKey = certificate.PublicKey.GetRSAPublicKey() is { } rsaPublic ? (AsymmetricAlgorithm)rsaPublic : null;
            if (publicKey is not null)
            {
                using var rsa = RSA.Create();
                if (password is null) rsa.ImportFromPem(keyPem); else rsa.ImportFromEncryptedPem(keyPem, password);
                return certificate.CopyWithPrivateKey(rsa);
            }
            using var ecdsa = ECDsa.Create();
            if (password is null) ecdsa.ImportFromPem(keyPem); else ecdsa.ImportFromEncryptedPem(keyPem, password);
            return certificate.CopyWithPrivateKey(ecdsa);
        }
        catch (ArgumentException e)
        {
            throw Key(files, "not a PEM private key", e);
        }
        catch (CryptographicException) when (password is not null)
        {
            throw;
        }
        catch (CryptographicException e)
        {
            throw Key(files, $"it does not match certificate \"{files.Certificate}\" or cannot be read ({e.Message})", e);
        }
    }
}

/// <summary>A loaded server certificate and the context SslStream reuses for every handshake with it.</summary>
internal sealed record SslCertificate(X509Certificate2 Certificate, System.Net.Security.SslStreamCertificateContext Context)
{
    public bool IsEcdsa => Certificate.GetKeyAlgorithm() == "1.2.840.10045.2.1";
}
