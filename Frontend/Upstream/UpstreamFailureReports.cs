using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// The passive health check: a front end that could not connect to a pool upstream tells that upstream's grain,
/// which counts it like a failed probe. One-way and lossy: the login fails over at once without waiting, and a
/// lost report only delays the verdict until the next active check.
/// </summary>
internal sealed class UpstreamFailureReports(IGrainFactory grains)
{
    public void ConnectFailed(MailProtocol protocol, string host, int port, Exception error)
    {
        var reason = error is System.Net.Sockets.SocketException socket ? socket.SocketErrorCode.ToString() : error.GetType().Name;
        try
        {
            // A one-way call's task completes once the message is queued; a cluster that is unreachable throws here.
            grains.GetGrain<IUpstreamGrain>(UpstreamKey.For(protocol, UpstreamKey.Address(host, port))).ReportConnectFailure(reason).Ignore();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Best effort by design.
        }
    }
}
