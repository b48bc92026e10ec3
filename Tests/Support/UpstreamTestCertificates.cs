using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A throw-away PKI for TLS tests, built with <see cref="CertificateRequest"/> and written as PEM into a temp folder:
/// a test CA, a server certificate it signs (DNS <c>mail.test</c> and <c>localhost</c>, IP 127.0.0.1), a client
/// certificate it signs, and an unrelated CA that trusts nothing here. Paths are what configuration files take.
/// </summary>
public sealed class UpstreamTestCertificates : IDisposable
{
    public const string ServerName = "mail.test";

    private UpstreamTestCertificates(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public string OtherCaPath => Path.Combine(Directory, "other-ca.pem");

    public string ServerCertificatePath => Path.Combine(Directory, "server.pem");

    public string ServerKeyPath => Path.Combine(Directory, "server.key");

    public string ClientCertificatePath => Path.Combine(Directory, "client.pem");

    public string ClientKeyPath => Path.Combine(Directory, "client.key");

    /// <summary>The server key's pin: base64 SHA-256 of its SubjectPublicKeyInfo.</summary>
    public string ServerPin { get; private set; } = "";

    /// <summary>The CA's key pin, which is not the server's.</summary>
    public string CaPin { get; private set; } = "";

    public static UpstreamTestCertificates Create()
    {
        var result = new UpstreamTestCertificates(ServerProcess.CreateTempDirectory("orleansmail-certs-"));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("CN=OrleansMail Test CA", caKey);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa("CN=Unrelated Test CA", otherKey);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName(ServerName);
        sans.AddDnsName("localhost");
        sans.AddIpAddress(IPAddress.Loopback);
        using var server = Issue(ca, "CN=" + ServerName, serverKey, sans, serverAuth: true);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = Issue(ca, "CN=orleansmail-proxy", clientKey, null, serverAuth: false);

        File.WriteAllText(result.CaPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(result.OtherCaPath, other.ExportCertificatePem() + "\n");
        File.WriteAllText(result.ServerCertificatePath, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
        WriteKey(result.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(result.ClientCertificatePath, client.ExportCertificatePem() + "\n");
        WriteKey(result.ClientKeyPath, clientKey.ExportPkcs8PrivateKeyPem());
        result.ServerPin = Convert.ToBase64String(SHA256.HashData(server.PublicKey.ExportSubjectPublicKeyInfo()));
        result.CaPin = Convert.ToBase64String(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()));
        return result;
    }

    private static void WriteKey(string path, string pem)
    {
        File.WriteAllText(path, pem + "\n");
        ServerProcess.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A P-256 CA valid for 30 days (also the cluster test PKI's, <see cref="ClusterTestCertificates"/>).</summary>
    internal static X509Certificate2 CreateCa(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, ECDsa key, SubjectAlternativeNameBuilder? sans, bool serverAuth) =>
        Issue(ca, subject, key, sans, serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2");

    /// <summary>A leaf signed by <paramref name="ca"/> for the given extended key usages (OIDs), valid for 29 days.</summary>
    internal static X509Certificate2 Issue(X509Certificate2 ca, string subject, ECDsa key, SubjectAlternativeNameBuilder? sans, params string[] usages)
    {
        // ECDSA throughout: CertificateRequest.Create signs with the issuer's key, which must be of the same kind.
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var oids = new OidCollection();
        foreach (var usage in usages) oids.Add(new Oid(usage));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (sans is not null) request.CertificateExtensions.Add(sans.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
