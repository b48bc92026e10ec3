using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// A fake upstream IMAP server for login-dialogue failures: on each connection it sends <see cref="Greeting"/> at
/// once (nothing when null), then either hangs up or holds the connection, reading and discarding, until disposed.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScriptedUpstream(string? greeting, bool hangUp)
    {
        Greeting = greeting;
        HangUp = hangUp;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync();
    }

    public string? Greeting { get; }

    public bool HangUp { get; }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped ("Not listening" when Stop() came between two accepts).
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                if (Greeting is not null) await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Greeting), _stop.Token);
                if (HangUp) return;
                var buffer = new byte[4096];
                while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
