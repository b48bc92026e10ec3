using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;

namespace OrleansMail.Grains.Hosting;

/// <summary>
/// <c>Cluster:Tls:*</c>: TLS with mutual certificate authentication on the Orleans transport, silo to silo (port 11111)
/// and Frontend to gateway (30000). Every member presents <see cref="Certificate"/>, and accepts a peer only when the
/// peer's certificate chains to <see cref="Ca"/>, the cluster's own CA and the only trust anchor (README "Cluster
/// security"). Read once at start-up; a key or file that cannot be used stops start-up naming the key.
/// </summary>
/// <param name="On">Whether the transport runs TLS.</param>
/// <param name="Certificate">This member's certificate with its key; null when TLS is off.</param>
/// <param name="Ca">The cluster's CA, the only trust anchor for peers; null when TLS is off.</param>
/// <param name="ExplicitlyOff">
/// <c>Cluster:Tls:Mode=Off</c> was written: a Redis cluster then starts in clear, with a warning, where an unset mode
/// refuses to start.
/// </param>
public sealed record ClusterTlsSettings(bool On, bool ExplicitlyOff, X509Certificate2? Certificate, PrivateCa? Ca)
{
    public const string SectionName = "Cluster:Tls";

    /// <summary>No TLS (Embedded and Localhost clusters without any <c>Cluster:Tls</c> key).</summary>
    public static ClusterTlsSettings Off { get; } = new(false, false, null, null);

    /// <summary>Reads and validates the section for a process of the given cluster mode.</summary>
    public static ClusterTlsSettings From(IConfiguration configuration, ClusterMode mode)
    {
        var section = new SettingsSection(configuration.GetSection(SectionName));
        var certificatePath = section.Get("Certificate");
        var keyPath = section.Get("Key");
        var caPath = section.Get("Ca");
        var explicitMode = string.IsNullOrWhiteSpace(section.Get("Mode")) ? null : section.OptionalBool("Mode");
        section.RefuseUnknownKeys();
        if (explicitMode == false) return new ClusterTlsSettings(false, true, null, null);
        var on = explicitMode ?? !string.IsNullOrWhiteSpace(certificatePath);
        // A Redis cluster is reachable over the network: a login's password crosses it to the grains, and anyone who
        // reaches a gateway can call them. Plain transport is a decision to write down, not a default.
        if (!on && mode == ClusterMode.Redis)
            throw section.Invalid("Mode", section.Get("Mode"),
                $"a Redis cluster needs transport TLS: set {SectionName}:Certificate, {SectionName}:Key and {SectionName}:Ca (PEM files), or {SectionName}:Mode=Off to run it in clear");

        if (!on) return Off;
        Require(certificatePath, "Certificate", "the member's certificate (PEM)");
        Require(keyPath, "Key", "the certificate's private key (PEM)");
        Require(caPath, "Ca", "the CA bundle (PEM) that signs every member of the cluster");

        X509Certificate2 certificate;
        try { certificate = X509Certificate2.CreateFromPemFile(certificatePath!, keyPath); }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidConfigurationException($"{SectionName}:Certificate", certificatePath, $"cannot load it with {SectionName}:Key ({keyPath}): {e.Message}");
        }

        var ca = PrivateCa.Load($"{SectionName}:Ca", caPath!);
        // Caught here rather than at the first handshake, where it would only show as peers refusing each other.
        if (!ca.Trusts(certificate, presented: null))
            throw new InvalidConfigurationException($"{SectionName}:Certificate", certificatePath, $"does not chain to {SectionName}:Ca ({caPath}), which every peer trusts");
        return new ClusterTlsSettings(true, false, certificate, ca);
    }

    private static void Require(string? value, string key, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidConfigurationException($"{SectionName}:{key}", value, $"cluster TLS needs {what}");
    }
}
