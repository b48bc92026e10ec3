using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.Support;

/// <summary>A syslog server for tests: every UDP datagram received on a loopback port, as text, in arrival order.</summary>
public sealed class UdpSyslogReceiver : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentQueue<string> _messages = new();
    private readonly CancellationTokenSource _stop = new();

    public UdpSyslogReceiver() => _ = ReceiveAsync();

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    /// <summary>Every datagram so far.</summary>
    public IReadOnlyList<string> Messages => _messages.ToArray();

    public void Clear() => _messages.Clear();

    private async Task ReceiveAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var datagram = await _udp.ReceiveAsync(_stop.Token);
                _messages.Enqueue(Encoding.UTF8.GetString(datagram.Buffer));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
