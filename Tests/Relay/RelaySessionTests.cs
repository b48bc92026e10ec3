using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Tests.Relay;

/// <summary>
/// The byte relay on its own: the upstream is a real loopback socket (the relay reads and writes its stream
/// directly), the client side is a pair of pipes as Kestrel hands them over. Exact bytes both ways at once, the
/// upstream's bytes already read during login forwarded first, either side's close ending the session, and
/// proxy_timeout on the monitor's clock.
/// </summary>
public sealed class RelaySessionTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly RelayIdleMonitor _monitor;
    private readonly Pipe _fromClient = new();
    private readonly Pipe _toClient = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private Socket? _server;
    private UpstreamConnection? _upstream;

    public RelaySessionTests()
    {
        _monitor = new RelayIdleMonitor(_time);
        _listener.Start();
    }

    private CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Connects the upstream side; the test plays the upstream server on <see cref="_server"/>.</summary>
    private async Task<RelaySession> StartAsync(TimeSpan idleTimeout, string? sentDuringLogin = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = _listener.AcceptSocketAsync(Token);
        await socket.ConnectAsync(_listener.LocalEndpoint, Token);
        _server = await accept;
        _upstream = new UpstreamConnection(socket, "127.0.0.1", UpstreamSettings.Default);
        if (sentDuringLogin is not null)
        {
            // The login dialogue's reader has these bytes in its buffer, read and examined but not consumed (a reply
            // line's reader looks at everything that came), when the relay starts.
            await _server.SendAsync(Encoding.ASCII.GetBytes(sentDuringLogin), Token);
            var read = await _upstream.Input.ReadAsync(Token);
            while (read.Buffer.Length < sentDuringLogin.Length)
            {
                _upstream.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                read = await _upstream.Input.ReadAsync(Token);
            }
            _upstream.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        var settings = MailSettingsReader.Read(new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("Mail:AuthHttp", "127.0.0.1:9/auth"), new("Mail:Servers:0:Listen", "143"),
        ]).Build())[0];
        var metrics = new FrontendMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return new RelaySession(new ClientSide(_fromClient.Reader, _toClient.Writer), _upstream, idleTimeout, _monitor, metrics, new ListenerLabels(settings));
    }

    private sealed class ClientSide(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader, long length, CancellationToken token)
    {
        var bytes = new MemoryStream();
        while (bytes.Length < length)
        {
            var read = await reader.ReadAsync(token);
            foreach (var segment in read.Buffer) bytes.Write(segment.Span);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) break;
        }
        return bytes.ToArray();
    }

    private static async Task<byte[]> ReadAllAsync(Socket socket, long length, CancellationToken token)
    {
        var bytes = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (bytes.Length < length)
        {
            var read = await socket.ReceiveAsync(buffer, token);
            if (read == 0) break;
            bytes.Write(buffer, 0, read);
        }
        return bytes.ToArray();
    }

    [Fact]
    public async Task BytesPassExactlyBothWaysAtOnceAfterWhatTheUpstreamSentDuringLogin()
    {
        const string early = "* 3 EXISTS\r\n";
        var relay = await StartAsync(TimeSpan.FromHours(1), sentDuringLogin: early);
        var up = RandomNumberGenerator.GetBytes(3_000_000);
        var down = RandomNumberGenerator.GetBytes(5_000_000);
        var running = relay.RunAsync();

        var clientSends = Task.Run(async () =>
        {
            // In uneven pieces, as a client's writes arrive.
            for (var offset = 0; offset < up.Length;)
            {
                var piece = Math.Min(up.Length - offset, 1 + offset % 70_000);
                await _fromClient.Writer.WriteAsync(up.AsMemory(offset, piece), Token);
                offset += piece;
            }
        }, Token);
        var serverSends = Task.Run(async () =>
        {
            for (var offset = 0; offset < down.Length;) offset += await _server!.SendAsync(down.AsMemory(offset), Token);
        }, Token);
        var serverReceives = ReadAllAsync(_server!, up.Length, Token);
        var clientReceives = ReadAllAsync(_toClient.Reader, early.Length + down.Length, Token);
        var limit = TimeSpan.FromSeconds(20);
        await serverSends.WaitAsync(limit, Token);
        Assert.Equal(up, await serverReceives.WaitAsync(limit, Token));
        await clientSends.WaitAsync(limit, Token);
        byte[] expected = [.. Encoding.ASCII.GetBytes(early), .. down];
        Assert.Equal(expected, await clientReceives.WaitAsync(limit, Token));
        Assert.False(running.IsCompleted);
        Assert.Equal(up.Length, relay.BytesFromClient);
        Assert.Equal(early.Length + down.Length, relay.BytesToClient);

        _server!.Shutdown(SocketShutdown.Both);
        Assert.Equal(SessionEnd.UpstreamClosed, await running.WaitAsync(TimeSpan.FromSeconds(10), Token));
    }

    [Fact]
    public async Task TheUpstreamsLastBytesReachTheClientBeforeItsCloseEndsTheSession()
    {
        var relay = await StartAsync(TimeSpan.FromHours(1));
        var running = relay.RunAsync();
        var last = RandomNumberGenerator.GetBytes(1_000_000);
        var clientReceives = ReadAllAsync(_toClient.Reader, long.MaxValue, Token);
        await _server!.SendAsync(last, Token);
        await _server.SendAsync("\r\nb OK bye"u8.ToArray(), Token);
        _server.Shutdown(SocketShutdown.Send);

        Assert.Equal(SessionEnd.UpstreamClosed, await running.WaitAsync(TimeSpan.FromSeconds(10), Token));
        await _toClient.Writer.CompleteAsync();
        byte[] expected = [.. last, .. "\r\nb OK bye"u8.ToArray()];
        Assert.Equal(expected, await clientReceives.WaitAsync(TimeSpan.FromSeconds(10), Token));
        Assert.True(relay.EndsMidLine);
    }

    [Fact]
    public async Task TheClientsCloseEndsTheSessionAfterItsLastBytesReachedTheUpstream()
    {
        var relay = await StartAsync(TimeSpan.FromHours(1));
        var running = relay.RunAsync();
        await _fromClient.Writer.WriteAsync("c LOGOUT\r\n"u8.ToArray(), Token);
        await _fromClient.Writer.CompleteAsync();

        Assert.Equal(SessionEnd.ClientClosed, await running.WaitAsync(TimeSpan.FromSeconds(10), Token));
        await _upstream!.DisposeAsync();
        Assert.Equal("c LOGOUT\r\n"u8.ToArray(), await ReadAllAsync(_server!, long.MaxValue, Token));
    }

    [Fact]
    public async Task ASessionSilentBothWaysForProxyTimeoutEndsAsTimedOutAndUpstreamTrafficCountsAsActivity()
    {
        var relay = await StartAsync(TimeSpan.FromSeconds(10));
        var running = relay.RunAsync();

        // 8 s pass, then the upstream speaks (an IDLE update): the 10 s start again from there.
        _time.Advance(TimeSpan.FromSeconds(8));
        await _server!.SendAsync("* 4 EXISTS\r\n"u8.ToArray(), Token);
        Assert.Equal("* 4 EXISTS\r\n"u8.ToArray(), await ReadAllAsync(_toClient.Reader, 12, Token));
        _time.Advance(TimeSpan.FromSeconds(8));
        await Task.Delay(100, Token);
        Assert.False(running.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(SessionEnd.Timeout, await running.WaitAsync(TimeSpan.FromSeconds(10), Token));
    }

    [Fact]
    public async Task ExpireStopsARelayWaitingOnBothSides()
    {
        var relay = await StartAsync(TimeSpan.FromHours(1));
        var running = relay.RunAsync();
        await Task.Delay(50, Token);
        relay.Expire();
        Assert.NotEqual(SessionEnd.Timeout, await running.WaitAsync(TimeSpan.FromSeconds(10), Token));
    }

    public async ValueTask DisposeAsync()
    {
        if (_upstream is not null) await _upstream.DisposeAsync();
        _server?.Dispose();
        _listener.Stop();
        _monitor.Dispose();
        await _services.DisposeAsync();
    }
}
