using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Hosting;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Configuration;

/// <summary>
/// The security keys of the <c>Cluster</c> section as Silo and Frontend read them (<see cref="ClusterSettings.From"/>):
/// what starts, and what stops start-up naming which key.
/// </summary>
public sealed class ClusterSecuritySettingsTests
{
    private static ClusterTestCertificates Pki => ClusterTestCertificates.Shared;

    private static ClusterSettings Read(ClusterMode mode, params (string Key, string Value)[] values) =>
        ClusterSettings.From(new ConfigurationBuilder().AddInMemoryCollection(
            values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)).Append(KeyValuePair.Create("Cluster:Redis", (string?)"127.0.0.1:6379"))).Build(), mode);

    private static InvalidConfigurationException Refused(ClusterMode mode, params (string Key, string Value)[] values) =>
        Assert.Throws<InvalidConfigurationException>(() => Read(mode, values));

    [Fact]
    public void ARedisClusterNeedsTransportTlsOrAnExplicitOff()
    {
        Assert.Equal("Cluster:Tls:Mode", Refused(ClusterMode.Redis).Key);
        var off = Read(ClusterMode.Redis, ("Cluster:Tls:Mode", "Off"));
        Assert.False(off.Tls.On);
        Assert.True(off.Tls.ExplicitlyOff);
        Assert.False(Read(ClusterMode.Localhost).Tls.On);
        Assert.False(Read(ClusterMode.Embedded).Tls.On);
    }

    [Fact]
    public void AMemberCertificateWithItsKeyAndCaTurnsTlsOn()
    {
        var tls = Read(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.MemberCertificatePath), ("Cluster:Tls:Key", Pki.MemberKeyPath), ("Cluster:Tls:Ca", Pki.CaPath)).Tls;

        Assert.True(tls.On);
        Assert.True(tls.Certificate!.HasPrivateKey);
        Assert.True(tls.Ca!.Trusts(tls.Certificate, null));
    }

    [Fact]
    public void EachMissingOrUnusableFileIsNamed()
    {
        Assert.Equal("Cluster:Tls:Key", Refused(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.MemberCertificatePath), ("Cluster:Tls:Ca", Pki.CaPath)).Key);
        Assert.Equal("Cluster:Tls:Ca", Refused(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.MemberCertificatePath), ("Cluster:Tls:Key", Pki.MemberKeyPath)).Key);
        Assert.Equal("Cluster:Tls:Certificate", Refused(ClusterMode.Redis, ("Cluster:Tls:Mode", "On")).Key);
        Assert.Equal("Cluster:Tls:Ca", Refused(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.MemberCertificatePath), ("Cluster:Tls:Key", Pki.MemberKeyPath),
            ("Cluster:Tls:Ca", Path.Combine(Pki.Directory, "missing.pem"))).Key);
        // The certificate with another member's key.
        Assert.Equal("Cluster:Tls:Certificate", Refused(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.MemberCertificatePath), ("Cluster:Tls:Key", Pki.IntruderKeyPath),
            ("Cluster:Tls:Ca", Pki.CaPath)).Key);
        Assert.Equal("Cluster:Tls:Mode", Refused(ClusterMode.Redis, ("Cluster:Tls:Mode", "maybe")).Key);
    }

    [Fact]
    public void ACertificateFromAnotherCaIsRefusedAtStartUp()
    {
        var e = Refused(ClusterMode.Redis, ("Cluster:Tls:Certificate", Pki.IntruderCertificatePath), ("Cluster:Tls:Key", Pki.IntruderKeyPath), ("Cluster:Tls:Ca", Pki.CaPath));

        Assert.Equal("Cluster:Tls:Certificate", e.Key);
        Assert.Contains("does not chain to Cluster:Tls:Ca", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ARedisCaNeedsSslInTheConnectionString()
    {
        var e = Refused(ClusterMode.Redis, ("Cluster:Tls:Mode", "Off"), ("Cluster:RedisTlsCa", Pki.RedisCaPath));
        Assert.Equal("Cluster:RedisTlsCa", e.Key);

        var settings = ClusterSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = "127.0.0.1:6380,ssl=true,password=secret",
            ["Cluster:Tls:Mode"] = "Off",
            ["Cluster:RedisTlsCa"] = Pki.RedisCaPath,
        }).Build(), ClusterMode.Redis);
        Assert.NotNull(settings.RedisTlsCa);
    }

    [Fact]
    public void AllowedAuthServersAreHttpUrlsAsAJsonListOrOneDirectivesArguments()
    {
        Assert.Equal(["http://a.test:9000/auth", "https://b.test/auth"],
            Read(ClusterMode.Localhost, ("Cluster:AllowedAuthServers:0", "http://a.test:9000/auth"), ("Cluster:AllowedAuthServers:1", "https://b.test/auth")).AllowedAuthServers);
        Assert.Equal(["a.test:9000/auth", "https://b.test/auth"],
            Read(ClusterMode.Localhost, ("Cluster:AllowedAuthServers", "a.test:9000/auth https://b.test/auth")).AllowedAuthServers);
        Assert.Empty(Read(ClusterMode.Localhost).AllowedAuthServers);
        Assert.Equal("Cluster:AllowedAuthServers", Refused(ClusterMode.Localhost, ("Cluster:AllowedAuthServers:0", "ftp://a.test/auth")).Key);
    }
}
