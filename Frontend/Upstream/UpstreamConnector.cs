using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// Opens TCP connections to upstream mail servers. The host may be an IP literal or a DNS name (nginx accepts
/// only IP literals in Auth-Server).
/// </summary>
internal sealed class UpstreamConnector
{
    /// <summary>Connects within <paramref name="timeout"/>; throws on refusal, DNS failure or timeout.</summary>
    public async Task<UpstreamConnection> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        EndPoint endPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token);
            return new UpstreamConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
