using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The listening part of the scripted (fake) servers: a loopback port, one <see cref="ServeAsync"/> per connection,
/// and a stop that ends the accept loop and cancels every connection's <see cref="Stopping"/> token.
/// </summary>
internal abstract class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public int Port { get; private set; }

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    /// <summary>Starts listening; called by the derived constructor once its own fields are set.</summary>
    protected void Start()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync();
    }

    /// <summary>Serves one connection; the client is disposed afterwards.</summary>
    protected abstract Task ServeAsync(TcpClient client);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeOneAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped ("Not listening" when Stop() came between two accepts).
        }
    }

    private async Task ServeOneAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ServeAsync(client);
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
