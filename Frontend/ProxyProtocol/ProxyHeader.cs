using System.Net;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// A PROXY protocol header (haproxy's proxy-protocol.txt, v1 text or v2 binary) as a client connection began with it.
/// </summary>
/// <param name="Version">1 or 2.</param>
/// <param name="Source">The original client; null for v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c> or a family other than TCP over IPv4/IPv6.</param>
/// <param name="Destination">The address the client connected to; null when <paramref name="Source"/> is.</param>
/// <param name="SourceText">The source address as written in a v1 header (kept raw for the auth server, as nginx does).</param>
/// <param name="DestinationText">The destination address as written in a v1 header.</param>
internal sealed record ProxyHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination, string? SourceText = null, string? DestinationText = null)
{
    /// <summary>What goes to the auth server as Proxy-Protocol-*; null when the header carried no addresses (nginx sends none then).</summary>
    public ProxyProtocolFacts? Facts => Source is { } source && Destination is { } destination
        ? new ProxyProtocolFacts(SourceText ?? source.Address.ToString(), source.Port, DestinationText ?? destination.Address.ToString(), destination.Port)
        : null;
}
