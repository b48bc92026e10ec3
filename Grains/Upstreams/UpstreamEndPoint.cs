using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// An upstream's address as a socket connects to it: an IP literal as itself, anything else as a name to resolve.
/// The socket is opened in the literal's own address family. A socket made without a family is an IPv6 socket in
/// dual mode, which costs four more system calls per connection (IPV6_V6ONLY set twice and read back twice, seen
/// with <c>strace -f</c> on a login; docs/performance/login-profile.md), every login, for an address known to be IPv4.
/// A name stays on a dual-mode socket, since it may resolve to either family.
/// </summary>
public static class UpstreamEndPoint
{
    /// <summary>The endpoint of <paramref name="host"/>:<paramref name="port"/> and an unconnected TCP socket for it, Nagle off.</summary>
    public static (EndPoint EndPoint, Socket Socket) Open(string host, int port) =>
        IPAddress.TryParse(host, out var address)
            ? (new IPEndPoint(address, port), new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
            : (new DnsEndPoint(host, port), new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
}
