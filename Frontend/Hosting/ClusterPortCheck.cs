using System.Net;
using System.Net.Sockets;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// The embedded silo's two ports (cluster_silo_port, cluster_gateway_port), tried before the silo starts: a port in use
/// then stops start-up with nginx's one line, <c>bind() to 0.0.0.0:11111 failed (98: Address already in use)</c>,
/// instead of failing deep in the silo's start. The port is bound and released at once; the silo binds it moments later.
/// </summary>
internal static class ClusterPortCheck
{
    public static void Check(ClusterSettings cluster)
    {
        if (cluster.Mode != ClusterMode.Embedded) return; // a cluster client listens on nothing
        Try(cluster.SiloPort, "SiloPort");
        Try(cluster.GatewayPort, "GatewayPort");
    }

    private static void Try(int port, string key)
    {
        var endPoint = new IPEndPoint(IPAddress.Any, port);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // As the silo binds it: SO_REUSEADDR, so connections of a previous run in TIME_WAIT do not count as "in use".
        ListenSockets.AllowRebindDuringTimeWait(socket);
        try { socket.Bind(endPoint); }
        catch (SocketException e)
        {
            throw new ListenerStartException("Cluster", key, null, $"bind() to {endPoint} failed ({SocketErrors.Describe(e)})", e);
        }
    }
}
