using System.Net;
using System.Net.Sockets;
using OrleansMail.Frontend.ProxyProtocol;

namespace OrleansMail.Tests.ProxyProtocol;

/// <summary>set_real_ip_from: addresses, CIDRs of both families, unix:, and IPv4-mapped peers.</summary>
public sealed class RealIpTrustTests
{
    private static RealIpTrust Trust(params string[] entries) => RealIpTrust.From(entries.Select(e => RealIpTrust.ParseEntry(e)!));

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.255.0.1", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("192.0.2.7", true)]
    [InlineData("192.0.2.8", false)]
    [InlineData("2001:db8::77", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("::ffff:10.0.0.1", true)]
    public void PeersAreTrustedByAddressOrNetwork(string peer, bool trusted) =>
        Assert.Equal(trusted, Trust("10.0.0.0/8", "192.0.2.7", "2001:db8::/32").Trusts(new IPEndPoint(IPAddress.Parse(peer), 1)));

    [Fact]
    public void UnixPeersAreTrustedOnlyWithUnix()
    {
        Assert.True(Trust("unix:").Trusts(new UnixDomainSocketEndPoint("/tmp/x")));
        Assert.False(Trust("10.0.0.0/8").Trusts(new UnixDomainSocketEndPoint("/tmp/x")));
        Assert.False(Trust("unix:").Trusts(new IPEndPoint(IPAddress.Loopback, 1)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("example.org")]
    [InlineData("unix:/tmp/x")]
    public void NonsenseIsNoEntry(string text) => Assert.Null(RealIpTrust.ParseEntry(text));
}
