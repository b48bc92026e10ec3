using System.Runtime.CompilerServices;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Frontend.Telemetry;
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
    /// <summary>Returns the connection and the upstream it reached (host:port, for the log); <paramref name="name"/> is the decided one's.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(UpstreamConnection Connection, string Name)> ConnectFailingOverAsync(LoginDecision decision, string name)
    {
        // The usual case, an upstream without fallbacks (named by the auth server): no candidate list to build.
        if (decision.UpstreamFallbacks is null) return (await ConnectAsync(decision.UpstreamHost!, decision.UpstreamPort, name, Pool(decision)), name);
        var candidates = Candidates(decision);
        for (var i = 0; ; i++)
        {
            var (host, port) = candidates[i];
            if (i > 0) name = $"{host}:{port}";
            try
            {
                return (await ConnectAsync(host, port, name, Pool(decision)), name);
            }
            catch (Exception e) when (IsConnectFailure(e) && !Client.Closed.IsCancellationRequested)
            {
                _services.UpstreamReports.ConnectFailed(Settings.Protocol, host, port, e);
                if (i == candidates.Count - 1) throw;
                LogUpstreamFailedOver($"{host}:{port}", e.GetType().Name, $"{candidates[i + 1].Host}:{candidates[i + 1].Port}");
            }
        }
    }

    /// <summary>
    /// Connects (TCP, PROXY header, implicit TLS) under an <c>upstream connect</c> span; <c>orleansmail.upstream.connect.duration</c>
    /// and, on failure, <c>.failures</c>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<UpstreamConnection> ConnectAsync(string host, int port, string name, string pool)
    {
        var upstreamSettings = Settings.Upstreams.For(host, port);
        var proxyHeader = upstreamSettings.ProxyProtocol == ProxyProtocolVersion.Off
            ? ReadOnlyMemory<byte>.Empty
            : ProxyHeaderWriter.Build((int)upstreamSettings.ProxyProtocol, Connection.RemoteEndPoint, Connection.LocalEndPoint, ClientTlsSummary.Of(Connection));
        using var span = LoginTracer.StartUpstreamConnect(name, pool);
        var started = Time.GetTimestamp();
        try
        {
            var connection = await _services.Connector.ConnectAsync(host, port, upstreamSettings, proxyHeader, Settings.Timeout, Client.Closed);
            Metrics.UpstreamConnect(_labels.Protocol, pool, name, succeeded: true, Time.GetElapsedTime(started));
            return connection;
        }
        catch (Exception e) when (!Client.Closed.IsCancellationRequested)
        {
            var errorType = UpstreamErrorType.Of(e);
            Metrics.UpstreamConnect(_labels.Protocol, pool, name, succeeded: false, Time.GetElapsedTime(started));
            Metrics.UpstreamFailure(_labels.Protocol, pool, name, errorType);
            LoginTracer.Failed(span, errorType);
            throw;
        }
    }

    /// <summary>
    /// The <c>pool</c> label: the protocol's pool (<c>UpstreamPools</c> has one per protocol, named after it) when the
    /// upstream came from it, <c>auth_server</c> when the auth server named it.
    /// </summary>
    private string Pool(LoginDecision decision) => decision.UpstreamFallbacks is null ? "auth_server" : _labels.Protocol;

    /// <summary>A failure in the upstream login dialogue (after connecting).</summary>
    private void UpstreamFailed(LoginDecision decision, string upstream, string errorType) =>
        Metrics.UpstreamFailure(_labels.Protocol, Pool(decision), upstream, errorType);

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
