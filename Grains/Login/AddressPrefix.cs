using System.Net;
using System.Net.Sockets;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The unit brute-force throttling counts per: the client address cut to the configured prefix (IPv4 /32, IPv6 /64
/// by default, since one IPv6 host usually owns a whole /64 and could otherwise rotate addresses).
/// </summary>
internal static class AddressPrefix
{
    /// <summary>CIDR text such as <c>192.0.2.44/32</c> or <c>2001:db8:1:2::/64</c>; an unparsable address is kept as given.</summary>
    public static string For(string clientIp, LoginPolicySettings settings)
    {
        if (!IPAddress.TryParse(clientIp, out var address)) return clientIp;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var length = address.AddressFamily == AddressFamily.InterNetwork ? settings.BruteforceIpv4Prefix : settings.BruteforceIpv6Prefix;
        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return $"{new IPAddress(bytes)}/{length}";
    }

    /// <summary>Whether the address is in one of the trusted networks (exempt from throttling).</summary>
    public static bool IsTrusted(string clientIp, LoginPolicySettings settings)
    {
        if (settings.TrustedNetworks.Count == 0 || !IPAddress.TryParse(clientIp, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in settings.TrustedNetworks)
            if (network.Contains(address)) return true;
        return false;
    }
}
