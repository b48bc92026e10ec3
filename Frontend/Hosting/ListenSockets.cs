using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Applies nginx's <c>listen</c> socket parameters (<see cref="ListenDirective"/>) to Kestrel's socket transport:
/// each listener's socket is made here (<see cref="MailListener"/>), so backlog, ipv6only, rcvbuf, sndbuf and
/// multipath hold per listener, and so_keepalive is set on each accepted connection.
/// </summary>
internal static class ListenSockets
{
    /// <summary>Linux's IPPROTO_MPTCP (RFC 8684 Multipath TCP).</summary>
    private const ProtocolType MultipathTcp = (ProtocolType)262;

    /// <summary>
    /// SO_REUSEADDR alone, as nginx sets it: a restarted proxy binds again at once instead of waiting out TIME_WAIT.
    /// Not .NET's <see cref="SocketOptionName.ReuseAddress"/>: on Linux that also sets SO_REUSEPORT, and then a second
    /// process (another OrleansMail, a stale one) could bind the same port and silently take half its connections,
    /// where nginx fails with "Address already in use".
    /// </summary>
    internal static void AllowRebindDuringTimeWait(Socket socket)
    {
        const int SolSocket = 1, SoReuseAddr = 2; // <sys/socket.h> on Linux
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
    }

    /// <summary>The listening socket of one listener, bound (Kestrel listens on it).</summary>
    public static Socket Bind(ListenDirective listen)
    {
        var endPoint = listen.EndPoint;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, listen.Multipath ? MultipathTcp : ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = !listen.Ipv6Only;
            if (listen.ReceiveBuffer is { } receive) socket.ReceiveBufferSize = receive;
            if (listen.SendBuffer is { } send) socket.SendBufferSize = send;
            AllowRebindDuringTimeWait(socket);
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>so_keepalive on an accepted connection; called by the listener's connection middleware.</summary>
    public static void ApplyKeepAlive(ConnectionContext connection, TcpKeepAlive? keepAlive)
    {
        if (keepAlive is null || connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket) return;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, keepAlive.Enabled);
        if (!keepAlive.Enabled) return;
        if (keepAlive.Idle is { } idle) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)idle.TotalSeconds);
        if (keepAlive.Interval is { } interval) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, (int)interval.TotalSeconds);
        if (keepAlive.Count is { } count) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
    }
}
