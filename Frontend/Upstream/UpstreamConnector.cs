using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Grains.Upstreams;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// Opens connections to upstream mail servers. The host may be an IP literal or a DNS name (nginx accepts
/// only IP literals in Auth-Server). Right after connecting: the PROXY header, if any, in one write before anything
/// is read (src/mail/ngx_mail_proxy_module.c), then with ProxySsl on the TLS handshake.
/// </summary>
internal sealed class UpstreamConnector
{
    /// <summary>Connects within <paramref name="timeout"/>; throws on refusal, DNS failure, TLS failure or timeout.</summary>
    /// <param name="host">The upstream's address or name.</param>
    /// <param name="port">The upstream's port.</param>
    /// <param name="settings">The upstream's proxy_ssl*, proxy_protocol and timeouts.</param>
    /// <param name="timeout">The longest the connection (and TLS handshake) may take.</param>
    /// <param name="cancellationToken">Cancelled when the client leaves.</param>
    /// <param name="proxyHeader">The PROXY header to send first, or empty.</param>
    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<UpstreamConnection> ConnectAsync(
        string host, int port, UpstreamSettings settings, ReadOnlyMemory<byte> proxyHeader, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var (endPoint, socket) = UpstreamEndPoint.Open(host, port);
        UpstreamConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token);
            if (!proxyHeader.IsEmpty) await socket.SendAsync(proxyHeader, SocketFlags.None, deadline.Token);
            connection = new UpstreamConnection(socket, host, settings);
            if (settings.Tls.Mode == UpstreamTlsMode.On) await connection.StartTlsAsync(deadline.Token);
            return connection;
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            else socket.Dispose();
            throw;
        }
    }
}
