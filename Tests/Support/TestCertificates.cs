using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A test PKI written as PEM files to a temp folder: a CA, server certificates (RSA and ECDSA for proxy.test,
/// RSA for other.test and *.wild.test), an encrypted server key with its password file, client certificates
/// (good, revoked, from an intermediate, self-signed) and the CA's CRL revoking the revoked one (current, expired and
/// not yet valid).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string Password = "key passphrase";

    private RSA? _caKey;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public X509Certificate2 Ca { get; private set; } = null!;

    public string CaFile => Path("ca.pem");

    /// <summary>The CA's CRL, current for a week.</summary>
    public string CrlFile => Path("ca.crl");

    /// <summary>The same revocations in a CRL whose nextUpdate passed yesterday.</summary>
    public string ExpiredCrlFile => Path("expired.crl");

    /// <summary>The same revocations in a CRL issued tomorrow (thisUpdate in the future).</summary>
    public string FutureCrlFile => Path("future.crl");

    /// <summary>The CA and the intermediate under it, as an ssl_client_certificate bundle.</summary>
    public string BundleFile => Path("bundle.pem");

    public string PasswordFile => Path("passwords.txt");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Validates a server certificate against the test CA only (what the tests pin).</summary>
    public bool ValidateServer(X509Certificate2? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>A client certificate with its key, as a client presents it.</summary>
    public X509Certificate2 Client(string name) => X509Certificate2.CreateFromPemFile(Path(name + ".pem"), Path(name + ".key"));

    public static TestCertificates Create()
    {
        var result = new TestCertificates(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "orleansmail-tls-" + Guid.NewGuid().ToString("N")[..8]));
        System.IO.Directory.CreateDirectory(result.Directory);
        result.Build();
        return result;
    }

    private void Build()
    {
        using var caKey = RSA.Create(2048);
        _caKey = caKey;
        var caRequest = new CertificateRequest("CN=OrleansMail Test CA,O=OrleansMail Tests", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        Ca = caRequest.CreateSelfSigned(_now.AddDays(-2), _now.AddYears(3));
        File.WriteAllText(CaFile, Ca.ExportCertificatePem() + "\n");

        WriteServer("server-rsa", "proxy.test", RSA.Create(2048));
        WriteServer("server-ecdsa", "proxy.test", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        WriteServer("other", "other.test", RSA.Create(2048));
        WriteServer("wild", "*.wild.test", RSA.Create(2048));
        WriteServer("renewed", "proxy.test", RSA.Create(2048));
        WriteServer("encrypted", "proxy.test", RSA.Create(2048), Password);
        File.WriteAllText(PasswordFile, "not this one\n" + Password + "\n");

        WriteClient("client", "CN=alice,O=OrleansMail Tests,C=FR", Ca, caKey, serial: 1001);
        WriteClient("revoked", "CN=mallory,O=OrleansMail Tests", Ca, caKey, serial: 1002);
        using var selfKey = RSA.Create(2048);
        var self = new CertificateRequest("CN=stranger", selfKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(_now.AddDays(-1), _now.AddYears(1));
        Write("selfsigned", self, selfKey);

        // An intermediate CA under the root: a client certificate from it needs ssl_verify_depth 2.
        using var interKey = RSA.Create(2048);
        var interRequest = new CertificateRequest("CN=OrleansMail Intermediate", interKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        interRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        interRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var intermediate = interRequest.Create(Ca, _now.AddDays(-2), _now.AddYears(2), [9, 9, 9]);
        var inter = intermediate.CopyWithPrivateKey(interKey);
        WriteClient("deep", "CN=deep", inter, interKey, serial: 1003, chainPem: intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(BundleFile, Ca.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");

        WriteCrl(CrlFile, 1, thisUpdate: _now.AddHours(-1), nextUpdate: _now.AddDays(7));
        WriteCrl(ExpiredCrlFile, 2, thisUpdate: _now.AddDays(-8), nextUpdate: _now.AddDays(-1));
        WriteCrl(FutureCrlFile, 3, thisUpdate: _now.AddDays(1), nextUpdate: _now.AddDays(8));
    }

    /// <summary>A CRL of the CA revoking serial 1002 (the <c>revoked</c> client), with the given validity dates.</summary>
    private void WriteCrl(string path, int number, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry(new BigInteger(1002).ToByteArray(isUnsigned: false, isBigEndian: true), thisUpdate.AddHours(-1));
        var crlBytes = crl.Build(Ca, number, nextUpdate, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate);
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crlBytes) + "\n");
    }

    private void WriteServer(string name, string host, AsymmetricAlgorithm key, string? password = null)
    {
        using var _ = key;
        var request = key is RSA rsa
            ? new CertificateRequest($"CN={host}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={host}", (ECDsa)key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        if (host == "proxy.test") { names.AddDnsName("localhost"); names.AddIpAddress(System.Net.IPAddress.Loopback); }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var generator = X509SignatureGenerator.CreateForRSA(_caKey!, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(Ca.SubjectName, generator, _now.AddDays(-1), _now.AddYears(1), RandomNumberGenerator.GetBytes(8));
        Write(name, certificate, key, password);
    }

    private void WriteClient(string name, string subject, X509Certificate2 issuer, RSA issuerKey, long serial, string chainPem = "")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var generator = X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(issuer.SubjectName, generator, _now.AddDays(-1), _now.AddYears(1),
            new BigInteger(serial).ToByteArray(isUnsigned: false, isBigEndian: true));
        Write(name, certificate, key, chain: chainPem);
    }

    private void Write(string name, X509Certificate2 certificate, AsymmetricAlgorithm key, string? password = null, string chain = "")
    {
        File.WriteAllText(Path(name + ".pem"), certificate.ExportCertificatePem() + "\n" + chain);
        var keyPem = password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));
        File.WriteAllText(Path(name + ".key"), keyPem + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path(name + ".key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
