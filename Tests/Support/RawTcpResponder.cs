using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A TCP listener on 127.0.0.1 for what Kestrel cannot do: answer raw bytes (garbage, oversized headers) or
/// never answer at all. It also records each request's raw bytes, which shows exact header order and encoding.
/// Each connection: read until the blank line ending the request headers, answer <see cref="Reply"/> (or nothing
/// when it is null, holding the connection open until disposed), then close.
/// </summary>
public sealed class RawTcpResponder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[]> _requests = new();
    private readonly Task _acceptLoop;

    /// <summary>Starts listening; <paramref name="reply"/> null means never answer.</summary>
    public RawTcpResponder(byte[]? reply)
    {
        Reply = reply;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The bytes sent after each request, or null to never answer.</summary>
    public byte[]? Reply { get; }

    /// <summary>The bound port.</summary>
    public int Port { get; }

    /// <summary>auth_http URL for this listener.</summary>
    public string Url => $"http://127.0.0.1:{Port}/auth";

    /// <summary>Raw request bytes (request line and headers, up to the blank line), in arrival order.</summary>
    public IReadOnlyList<byte[]> Requests => _requests.ToArray();

    /// <summary>A port on which nothing listens (bound then released), for connection-refused tests.</summary>
    public static int UnusedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var received = new List<byte>();
                var buffer = new byte[4096];
                while (!EndsHeaders(received) && received.Count < 64 * 1024)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    received.AddRange(buffer.AsSpan(0, n));
                }

                _requests.Enqueue([.. received]);
                if (Reply is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                else
                {
                    await stream.WriteAsync(Reply, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Peer went away or we are stopping.
            }
        }
    }

    private static bool EndsHeaders(List<byte> data) =>
        data.Count >= 4 && data[^4] == '\r' && data[^3] == '\n' && data[^2] == '\r' && data[^1] == '\n';

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }
}
