using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.Upstreams;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a real server that records every byte the proxy sends it, so a test can
/// compare the upstream login dialogue byte for byte while the real server answers. Bytes are recorded before they
/// are forwarded: once the proxy has the server's answer to a command, the command is in <see cref="Sent"/>.
/// </summary>
internal sealed class RecordingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly MemoryStream _sent = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _relay;

    public RecordingRelay(int serverPort)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _relay = RelayAsync(serverPort);
    }

    /// <summary>The port the proxy connects to.</summary>
    public int Port { get; }

    /// <summary>What the proxy sent the server so far, as UTF-8.</summary>
    public string Sent
    {
        get
        {
            lock (_sent) return Encoding.UTF8.GetString(_sent.ToArray());
        }
    }

    private async Task RelayAsync(int serverPort)
    {
        try
        {
            using var proxy = await _listener.AcceptSocketAsync(_stop.Token);
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(IPAddress.Loopback, serverPort, _stop.Token);
            await Task.WhenAny(CopyAsync(proxy, server, record: true), CopyAsync(server, proxy, record: false));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    private async Task CopyAsync(Socket from, Socket to, bool record)
    {
        var buffer = new byte[65536];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, _stop.Token);
            if (read == 0) return;
            if (record)
            {
                lock (_sent) _sent.Write(buffer, 0, read);
            }
            await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _relay;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
        }
        _stop.Dispose();
    }
}
