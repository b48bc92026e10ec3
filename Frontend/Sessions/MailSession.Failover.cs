using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// Connecting to the decided upstream. For a pool upstream (the decision carries fallbacks) a connect failure is
/// reported to the upstream's grain and the next upstream in the login's rendezvous order is tried, instead of
/// nginx's internal error; the decision already holds that order, so no second grain call is made. An upstream the
/// auth server named has no fallback, as in nginx. TLS failures never fail over (<see cref="UpstreamTlsException"/>
/// is not a connect failure): a certificate problem is the operator's to see, not to route around.
/// </summary>
internal abstract partial class MailSession
{
    /// <summary>Returns the connection and the upstream it reached (host:port, for the log).</summary>
    private async Task<(UpstreamConnection Connection, string Name)> ConnectFailingOverAsync(LoginDecision decision)
    {
        var candidates = Candidates(decision);
        for (var i = 0; ; i++)
        {
            var (host, port) = candidates[i];
            try
            {
                return (await ConnectAsync(host, port), $"{host}:{port}");
            }
            catch (Exception e) when (decision.UpstreamFallbacks is not null && IsConnectFailure(e) && !Client.Closed.IsCancellationRequested)
            {
                _services.UpstreamReports.ConnectFailed(Settings.Protocol, host, port, e);
                if (i == candidates.Count - 1) throw;
                LogUpstreamFailedOver($"{host}:{port}", e.GetType().Name, $"{candidates[i + 1].Host}:{candidates[i + 1].Port}");
            }
        }
    }

    private async Task<UpstreamConnection> ConnectAsync(string host, int port)
    {
        var upstreamSettings = Settings.Upstreams.For(host, port);
        var proxyHeader = upstreamSettings.ProxyProtocol == ProxyProtocolVersion.Off
            ? ReadOnlyMemory<byte>.Empty
            : ProxyHeaderWriter.Build((int)upstreamSettings.ProxyProtocol, Connection.RemoteEndPoint, Connection.LocalEndPoint, ClientTlsSummary.Of(Connection));
        return await _services.Connector.ConnectAsync(host, port, upstreamSettings, proxyHeader, Settings.Timeout, Client.Closed);
    }

    private static List<(string Host, int Port)> Candidates(LoginDecision decision)
    {
        var candidates = new List<(string, int)> { (decision.UpstreamHost!, decision.UpstreamPort) };
        foreach (var fallback in decision.UpstreamFallbacks ?? [])
            if (UpstreamKey.TrySplit(fallback, out var host, out var port)) candidates.Add((host, port));
        return candidates;
    }

    /// <summary>Refused, unreachable, or no answer within <c>timeout</c> (the client is still there).</summary>
    private static bool IsConnectFailure(Exception e) =>
        e is System.Net.Sockets.SocketException or IOException or OperationCanceledException;
}
