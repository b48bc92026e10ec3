using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// Opens TCP connections to upstream mail servers and wraps them in Kestrel's socket pipes, so the upstream side
/// uses the same pooled buffers and System.IO.Pipelines as the client side. The host may be an IP literal or a
/// DNS name (nginx accepts only IP literals in Auth-Server).
/// </summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly SocketConnectionContextFactory _factory;

    public UpstreamConnector(ILoggerFactory loggerFactory)
    {
        _factory = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<UpstreamConnector>());
    }

    /// <summary>Connects within <paramref name="timeout"/>; throws on refusal, DNS failure or timeout.</summary>
    public async Task<ConnectionContext> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        EndPoint endPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token);
            return _factory.Create(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _factory.Dispose();
}
