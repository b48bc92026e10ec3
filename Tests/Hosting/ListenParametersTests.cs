using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Hosting;

/// <summary>nginx's listen parameters: parsed as nginx spells them, and applied to the real sockets.</summary>
public sealed class ListenParametersTests
{
    private static ListenDirective Parse(string text) => ListenDirective.Parse(text, (word, reason) => new FormatException($"{word}: {reason}"));

    [Fact]
    public void EveryNginxListenParameterIsRead()
    {
        var listen = Parse("[::1]:1143 backlog=100 rcvbuf=64k sndbuf=32k bind ipv6only=off multipath so_keepalive=30m:10s:5");
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 1143), listen.EndPoint);
        Assert.Equal(100, listen.Backlog);
        Assert.Equal(65536, listen.ReceiveBuffer);
        Assert.Equal(32768, listen.SendBuffer);
        Assert.False(listen.Ipv6Only);
        Assert.True(listen.Multipath);
        Assert.Equal(new TcpKeepAlive(true, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10), 5), listen.KeepAlive);
        Assert.True(Parse("993 ssl proxy_protocol") is { Ssl: true, ProxyProtocol: true, Backlog: 511, Ipv6Only: true, KeepAlive: null });
        Assert.Equal(new TcpKeepAlive(true, null, null, 3), Parse("143 so_keepalive=::3").KeepAlive);
        Assert.Equal(new TcpKeepAlive(false), Parse("143 so_keepalive=off").KeepAlive);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 110), Parse("*:110").EndPoint);
    }

    [Theory]
    [InlineData("143 reuseport", "reuseport")]
    [InlineData("143 backlog=-1", "backlog=-1")]
    [InlineData("143 so_keepalive=1:2", "so_keepalive=1:2")]
    [InlineData("143 ipv6only=maybe", "ipv6only=maybe")]
    [InlineData("mail.example.com:143", "mail.example.com:143")]
    [InlineData("", "")]
    public void AnUnknownOrBadParameterIsRefusedByName(string text, string word)
    {
        var e = Assert.Throws<FormatException>(() => Parse(text));
        Assert.StartsWith(word + ":", e.Message);
    }

    [Fact]
    public async Task SocketParametersReachTheListeningAndAcceptedSockets()
    {
        await using var auth = await TestAuthServer.StartAsync();
        await using var proxy = await ProxyUnderTest.StartAsync(
            [("AuthHttp", auth.Url)],
            new Dictionary<string, (string, string)[]>
            {
                ["dual"] = [("Listen", "[::]:{port} ipv6only=off so_keepalive=40s:10s:3 rcvbuf=64k sndbuf=64k backlog=64")],
                ["v6only"] = [("Listen", "[::]:{port}")],
            });
        var ct = TestContext.Current.CancellationToken;

        // ipv6only=off: an IPv4 client reaches the IPv6 wildcard listener; nginx's default (on) keeps it out.
        await using (var v4 = await LineClient.ConnectAsync(IPAddress.Loopback, proxy.Port("dual"), ct))
        {
            Assert.Equal("* OK IMAP4 ready", await v4.ReadLineAsync());
            // so_keepalive: the kernel shows a keepalive timer on the proxy's side of the connection.
            var sockets = await RunAsync("ss", $"-tnoH state established ( sport = :{proxy.Port("dual")} )", ct);
            Assert.Contains("timer:(keepalive", sockets);
        }
        var refused = await Assert.ThrowsAsync<SocketException>(() => LineClient.ConnectAsync(IPAddress.Loopback, proxy.Port("v6only"), ct));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await using var v6 = await LineClient.ConnectAsync(IPAddress.IPv6Loopback, proxy.Port("v6only"), ct);
        Assert.Equal("* OK IMAP4 ready", await v6.ReadLineAsync());
    }

    [Fact]
    public async Task ASecondProcessCannotShareAListenersPort()
    {
        // .NET's ReuseAddress sets SO_REUSEPORT on Linux: had the proxy's listening socket used it, another process
        // asking for the same (as .NET programs do) would bind the port too and take a share of the connections.
        await using var auth = await TestAuthServer.StartAsync();
        await using var proxy = await ProxyUnderTest.StartAsync([("AuthHttp", auth.Url)],
            new Dictionary<string, (string, string)[]> { ["imap"] = [("Listen", "127.0.0.1:{port}")] });
        using var intruder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        intruder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        var e = Assert.Throws<SocketException>(() => intruder.Bind(new IPEndPoint(IPAddress.Loopback, proxy.Port("imap"))));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }

    private static async Task<string> RunAsync(string program, string arguments, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return output;
    }
}
