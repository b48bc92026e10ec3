using System.Globalization;
using System.Net;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>One configured upstream of a pool: an IP literal or a DNS name, and a port.</summary>
public sealed record PoolUpstream(string Host, int Port)
{
    /// <summary>host:port, IPv6 in brackets; the address part of its <see cref="UpstreamKey"/>.</summary>
    public string Address { get; } = UpstreamKey.Address(Host, Port);

    /// <summary>Parses <c>10.0.0.2:143</c>, <c>[2001:db8::2]:143</c> or <c>mail2.example.net:143</c>; the port is required.</summary>
    public static bool TryParse(string text, out PoolUpstream upstream)
    {
        upstream = null!;
        var s = text.Trim();
        if (IPEndPoint.TryParse(s, out var endpoint))
        {
            // IPEndPoint accepts a bare address with port 0; a pool entry must name its port.
            if (endpoint.Port == 0) return false;
            upstream = new PoolUpstream(endpoint.Address.ToString(), endpoint.Port);
            return true;
        }

        var colon = s.LastIndexOf(':');
        if (colon <= 0 || s.IndexOf(':') != colon) return false;
        var host = s[..colon];
        if (Uri.CheckHostName(host) != UriHostNameType.Dns) return false;
        if (!int.TryParse(s.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535) return false;
        upstream = new PoolUpstream(host.ToLowerInvariant(), port);
        return true;
    }
}
