using System.Net;
using System.Net.Sockets;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The unit that client addresses are counted per, by the login grains' throttling and by the front end's pre-login
/// connection limit alike: the address cut to the configured prefix (IPv4 /32, IPv6 /64 by default, since one IPv6
/// host usually owns a whole /64 and could otherwise rotate addresses). IPv4-mapped IPv6 addresses count as IPv4.
/// </summary>
public static class AddressPrefix
{
    /// <summary>The prefix of <paramref name="address"/> with the given lengths.</summary>
    public static IPNetwork Of(IPAddress address, int ipv4Length, int ipv6Length)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var length = address.AddressFamily == AddressFamily.InterNetwork ? ipv4Length : ipv6Length;
        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), length);
    }

    /// <summary>CIDR text such as <c>192.0.2.44/32</c> or <c>2001:db8:1:2::/64</c>; an unparsable address is kept as given.</summary>
    public static string For(string clientIp, LoginPolicySettings settings) =>
        IPAddress.TryParse(clientIp, out var address)
            ? Of(address, settings.BruteforceIpv4Prefix, settings.BruteforceIpv6Prefix).ToString()
            : clientIp;

    /// <summary>Whether <paramref name="address"/> is in one of <paramref name="trustedNetworks"/> (exempt from throttling and limits).</summary>
    public static bool IsTrusted(IPAddress address, IReadOnlyList<IPNetwork> trustedNetworks)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in trustedNetworks)
            if (network.Contains(address)) return true;
        return false;
    }

    /// <summary>Whether the address is in one of the trusted networks.</summary>
    public static bool IsTrusted(string clientIp, LoginPolicySettings settings) =>
        settings.TrustedNetworks.Count > 0 && IPAddress.TryParse(clientIp, out var address) && IsTrusted(address, settings.TrustedNetworks);
}
