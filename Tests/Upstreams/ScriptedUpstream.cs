using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.Upstreams;

/// <summary>
/// An upstream mail server played by the test, for what a real server cannot be made to do (advertise no bearer
/// mechanism, answer with a SASL error challenge, greet without capabilities): the test reads each line the proxy sends,
/// with its CRLF, and writes the server's lines itself, so the dialogue is checked byte for byte.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket? _peer;
    private readonly List<byte> _pending = [];

    public ScriptedUpstream()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>Takes the proxy's connection.</summary>
    public async Task AcceptAsync(CancellationToken cancellationToken) => _peer = await _listener.AcceptSocketAsync(cancellationToken);

    /// <summary>Sends server lines as they are (the test writes the CRLFs).</summary>
    public async Task SendAsync(string text, CancellationToken cancellationToken) =>
        await _peer!.SendAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>The proxy's next line, CRLF included; null when it closed first.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var end = _pending.IndexOf((byte)'\n');
            if (end >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, end + 1).ToArray());
                _pending.RemoveRange(0, end + 1);
                return line;
            }
            var read = await _peer!.ReceiveAsync(buffer, cancellationToken);
            if (read == 0) return null;
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    public ValueTask DisposeAsync()
    {
        _peer?.Dispose();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}
