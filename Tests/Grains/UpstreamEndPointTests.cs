using System.Net;
using System.Net.Sockets;
using OrleansMail.Grains.Upstreams;

namespace OrleansMail.Tests.Grains;

/// <summary>The socket an upstream is reached on: in the literal's own family, dual mode only for a name.</summary>
public sealed class UpstreamEndPointTests
{
    [Theory]
    [InlineData("127.0.0.1", AddressFamily.InterNetwork)]
    [InlineData("::1", AddressFamily.InterNetworkV6)]
    [InlineData("::ffff:127.0.0.1", AddressFamily.InterNetworkV6)]
    public void AnIpLiteralGetsASocketOfItsOwnFamily(string host, AddressFamily family)
    {
        var (endPoint, socket) = UpstreamEndPoint.Open(host, 143);
        using (socket)
        {
            Assert.Equal(new IPEndPoint(IPAddress.Parse(host), 143), endPoint);
            Assert.Equal(family, socket.AddressFamily);
            Assert.True(socket.NoDelay);
        }
    }

    [Fact]
    public void ANameStaysANameOnADualModeSocket()
    {
        var (endPoint, socket) = UpstreamEndPoint.Open("imap.example.org", 993);
        using (socket)
        {
            Assert.Equal(new DnsEndPoint("imap.example.org", 993), endPoint);
            Assert.True(socket.DualMode);
            Assert.True(socket.NoDelay);
        }
    }

    [Fact]
    public async Task AnIpv4SocketConnectsToAnIpv4Listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (endPoint, socket) = UpstreamEndPoint.Open("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port);
        using (socket)
        {
            var accepted = listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
            await socket.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
            using var server = await accepted;
            Assert.Equal(socket.LocalEndPoint, server.RemoteEndPoint);
        }
    }
}
