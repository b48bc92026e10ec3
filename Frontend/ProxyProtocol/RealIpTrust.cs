using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// nginx's <c>set_real_ip_from address | CIDR | unix:</c> (nginx.org/en/docs/mail/): the peers whose PROXY header may
/// replace the client's address. Peers outside it still have their header read and its values sent to the auth
/// server, but keep their own address everywhere else.
/// </summary>
public sealed class RealIpTrust
{
    public static readonly RealIpTrust None = new([], unix: false);

    private readonly IReadOnlyList<IPNetwork> _networks;
    private readonly bool _unix;

    public RealIpTrust(IReadOnlyList<IPNetwork> networks, bool unix)
    {
        _networks = networks;
        _unix = unix;
    }

    public bool IsEmpty => _networks.Count == 0 && !_unix;

    /// <summary>Parses one entry: an address, a CIDR or <c>unix:</c>; null when it is none of them.</summary>
    public static object? ParseEntry(string text)
    {
        if (text == "unix:") return text;
        if (IPNetwork.TryParse(text, out var network)) return network;
        return IPAddress.TryParse(text, out var address)
            ? new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    public static RealIpTrust From(IEnumerable<object> entries)
    {
        var list = entries.ToList();
        return new RealIpTrust(list.OfType<IPNetwork>().ToList(), list.OfType<string>().Any());
    }

    public bool Trusts(EndPoint? peer) => peer switch
    {
        IPEndPoint ip => Contains(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address),
        UnixDomainSocketEndPoint or null => _unix,
        _ => false,
    };

    private bool Contains(IPAddress address)
    {
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }
}
