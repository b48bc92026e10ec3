using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Tests.Support;

/// <summary>
/// The PKI of the test clusters, made with <see cref="CertificateRequest"/> and written as PEM to a temp folder once
/// per test run (<see cref="Shared"/>): the cluster's CA and a member certificate it signs (server and client
/// authentication, as every silo and Frontend presents one), an unrelated CA with an intruder's member certificate,
/// and a Redis CA with a server certificate for 127.0.0.1 and localhost. Keys are ECDSA P-256.
/// </summary>
public sealed class ClusterTestCertificates
{
    private static readonly Lazy<ClusterTestCertificates> Instance = new(Create);

    private ClusterTestCertificates(string directory) => Directory = directory;

    /// <summary>One PKI for the whole run (deleted at exit): every cluster test shares the cluster's CA.</summary>
    public static ClusterTestCertificates Shared => Instance.Value;

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "cluster-ca.pem");

    public string MemberCertificatePath => Path.Combine(Directory, "member.pem");

    public string MemberKeyPath => Path.Combine(Directory, "member.key");

    /// <summary>A CA that signed nothing of the cluster.</summary>
    public string OtherCaPath => Path.Combine(Directory, "other-ca.pem");

    /// <summary>A member certificate from <see cref="OtherCaPath"/>: valid, but not the cluster's.</summary>
    public string IntruderCertificatePath => Path.Combine(Directory, "intruder.pem");

    public string IntruderKeyPath => Path.Combine(Directory, "intruder.key");

    /// <summary>The cluster's CA and <see cref="OtherCaPath"/> in one bundle.</summary>
    public string BothCasPath => Path.Combine(Directory, "both-cas.pem");

    public string RedisCaPath => Path.Combine(Directory, "redis-ca.pem");

    public string RedisCertificatePath => Path.Combine(Directory, "redis.pem");

    public string RedisKeyPath => Path.Combine(Directory, "redis.key");

    /// <summary>The <c>Cluster:Tls</c> keys of a member of the test clusters.</summary>
    public Dictionary<string, string> MemberSettings() => new()
    {
        ["Cluster:Tls:Certificate"] = MemberCertificatePath,
        ["Cluster:Tls:Key"] = MemberKeyPath,
        ["Cluster:Tls:Ca"] = CaPath,
    };

    /// <summary>An intruder's: a certificate and CA of its own, consistent but not the cluster's.</summary>
    public Dictionary<string, string> IntruderSettings() => new()
    {
        ["Cluster:Tls:Certificate"] = IntruderCertificatePath,
        ["Cluster:Tls:Key"] = IntruderKeyPath,
        ["Cluster:Tls:Ca"] = OtherCaPath,
    };

    private static ClusterTestCertificates Create()
    {
        var result = new ClusterTestCertificates(ServerProcess.CreateTempDirectory("orleansmail-cluster-pki-"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(result.Directory, recursive: true); }
            catch (IOException) { }
        };

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = UpstreamTestCertificates.CreateCa("CN=OrleansMail Test Cluster CA", caKey);
        Issue(ca, "CN=orleansmail-member", result.MemberCertificatePath, result.MemberKeyPath);
        File.WriteAllText(result.CaPath, ca.ExportCertificatePem() + "\n");

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = UpstreamTestCertificates.CreateCa("CN=Intruder CA", otherKey);
        Issue(other, "CN=orleansmail-member", result.IntruderCertificatePath, result.IntruderKeyPath);
        File.WriteAllText(result.OtherCaPath, other.ExportCertificatePem() + "\n");
        File.WriteAllText(result.BothCasPath, ca.ExportCertificatePem() + "\n" + other.ExportCertificatePem() + "\n");

        using var redisCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var redisCa = UpstreamTestCertificates.CreateCa("CN=OrleansMail Test Redis CA", redisCaKey);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        Issue(redisCa, "CN=redis.test", result.RedisCertificatePath, result.RedisKeyPath, names);
        File.WriteAllText(result.RedisCaPath, redisCa.ExportCertificatePem() + "\n");
        return result;
    }

    /// <summary>A leaf for both ends of a TLS connection (a silo accepts and opens connections), written as PEM.</summary>
    private static void Issue(X509Certificate2 ca, string subject, string certificatePath, string keyPath, SubjectAlternativeNameBuilder? names = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = UpstreamTestCertificates.Issue(ca, subject, key, names, "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        ServerProcess.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
