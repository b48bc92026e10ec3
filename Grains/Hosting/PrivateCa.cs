using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// A private CA (a PEM bundle) as the only trust anchor for a peer's certificate: the cluster's CA for silos and
/// Frontends (<c>Cluster:Tls:Ca</c>), the Redis server's (<c>Cluster:RedisTlsCa</c>). The system's roots play no part,
/// so a certificate any public CA issued for the right name is still refused
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>).
/// </summary>
public sealed class PrivateCa
{
    private readonly X509Certificate2Collection _roots;

    private PrivateCa(X509Certificate2Collection roots) => _roots = roots;

    /// <summary>Loads the bundle; a missing, unreadable or empty file stops start-up naming <paramref name="key"/>.</summary>
    public static PrivateCa Load(string key, string path)
    {
        var roots = new X509Certificate2Collection();
        try { roots.ImportFromPemFile(path); }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidConfigurationException(key, path, $"cannot read the CA bundle: {e.Message}");
        }
        if (roots.Count == 0) throw new InvalidConfigurationException(key, path, "holds no PEM certificate");
        return new PrivateCa(roots);
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of the bundle's certificates, with the intermediates the
    /// peer presented (<paramref name="presented"/>, the TLS stack's own chain) as the only other help. Revocation is
    /// not checked: a private CA of a cluster publishes no CRL; rotate the CA to withdraw a member.
    /// </summary>
    public bool Trusts(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(certificate)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate);
    }
}
