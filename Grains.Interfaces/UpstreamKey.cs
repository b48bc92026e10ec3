namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// The key of an <see cref="IUpstreamGrain"/>: protocol and address, <c>imap/10.0.0.2:143</c>. The protocol is part
/// of it because the check speaks that protocol's greeting, and one address could serve in two pools.
/// </summary>
public static class UpstreamKey
{
    public static string For(MailProtocol protocol, string address) => $"{protocol.ToString().ToLowerInvariant()}/{address}";

    /// <summary>The address of a pool upstream as <see cref="LoginDecision"/> carries it.</summary>
    public static string Address(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Splits an <see cref="Address"/> (a fallback of <see cref="LoginDecision.UpstreamFallbacks"/>) into host and port.</summary>
    public static bool TrySplit(string address, out string host, out int port)
    {
        var colon = address.LastIndexOf(':');
        host = colon > 0 ? address[..colon].TrimStart('[').TrimEnd(']') : "";
        port = 0;
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
    }

    /// <summary>Splits a key back into protocol and address; false for anything <see cref="For"/> did not make.</summary>
    public static bool TryParse(string key, out MailProtocol protocol, out string address)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        address = slash < 0 ? "" : key[(slash + 1)..];
        protocol = default;
        return slash > 0 && Enum.TryParse(key[..slash], ignoreCase: true, out protocol) && Enum.IsDefined(protocol) && address.Length > 0;
    }
}
