using OrleansMail.Grains.Hosting;
using System.Net;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// nginx's <c>listen address:port [ssl] [proxy_protocol] [backlog=n] [rcvbuf=size] [sndbuf=size] [bind]
/// [ipv6only=on|off] [multipath] [so_keepalive=on|off|idle:interval:count]</c> (nginx.org/en/docs/mail/), as one string:
/// the JSON <c>Listen</c> value takes the same words as the nginx directive.
/// </summary>
/// <param name="EndPoint">The address and port; <c>*</c> and a bare port mean every IPv4 address.</param>
/// <param name="Ssl"><c>ssl</c>: implicit TLS, the handshake before the greeting (IMAPS, POP3S, SMTPS).</param>
/// <param name="ProxyProtocol"><c>proxy_protocol</c>: a PROXY protocol v1/v2 header precedes everything.</param>
/// <param name="Backlog"><c>backlog=</c>: the listen queue; nginx's default is 511.</param>
/// <param name="ReceiveBuffer"><c>rcvbuf=</c>: SO_RCVBUF of the listening socket (inherited by accepted ones).</param>
/// <param name="SendBuffer"><c>sndbuf=</c>: SO_SNDBUF, likewise.</param>
/// <param name="Ipv6Only"><c>ipv6only=</c>: an IPv6 wildcard listener takes IPv6 only (nginx's default: on).</param>
/// <param name="Multipath"><c>multipath</c>: Multipath TCP (Linux IPPROTO_MPTCP).</param>
/// <param name="KeepAlive"><c>so_keepalive=</c>: TCP keep-alive on accepted connections, null for the system default.</param>
public sealed record ListenDirective(
    IPEndPoint EndPoint,
    bool Ssl = false,
    bool ProxyProtocol = false,
    int Backlog = 511,
    int? ReceiveBuffer = null,
    int? SendBuffer = null,
    bool Ipv6Only = true,
    bool Multipath = false,
    TcpKeepAlive? KeepAlive = null)
{
    /// <summary>Parses the directive's words; <paramref name="invalid"/> makes the exception naming the bad word.</summary>
    public static ListenDirective Parse(string text, Func<string, string, Exception> invalid)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) throw invalid(text, "expected \"address:port\" or \"port\", then nginx's listen parameters");
        var result = new ListenDirective(ParseEndPoint(words[0], invalid));
        foreach (var word in words.Skip(1))
        {
            var (name, value) = word.IndexOf('=') is var eq and > 0 ? (word[..eq], word[(eq + 1)..]) : (word, null);
            result = (name, value) switch
            {
                ("ssl", null) => result with { Ssl = true },
                ("proxy_protocol", null) => result with { ProxyProtocol = true },
                // Kestrel binds every listener to its own socket already, which is what "bind" asks for.
                ("bind", null) => result,
                ("multipath", null) => result with { Multipath = true },
                ("backlog", { } v) => result with { Backlog = int.TryParse(v, out var n) && n > 0 ? n : throw invalid(word, "backlog= takes a positive number") },
                ("rcvbuf", { } v) => result with { ReceiveBuffer = Size(v) ?? throw invalid(word, "rcvbuf= takes a size such as 64k") },
                ("sndbuf", { } v) => result with { SendBuffer = Size(v) ?? throw invalid(word, "sndbuf= takes a size such as 64k") },
                ("ipv6only", "on") => result with { Ipv6Only = true },
                ("ipv6only", "off") => result with { Ipv6Only = false },
                ("so_keepalive", { } v) => result with { KeepAlive = TcpKeepAlive.Parse(v) ?? throw invalid(word, "so_keepalive= takes on, off or idle:interval:count") },
                _ => throw invalid(word, "unknown listen parameter; nginx's mail listen takes ssl, proxy_protocol, backlog=, rcvbuf=, sndbuf=, bind, ipv6only=, multipath, so_keepalive="),
            };
        }
        return result;
    }

    /// <summary>rcvbuf=/sndbuf=: any size nginx's parser reads, 0 included (the kernel then applies its minimum).</summary>
    private static int? Size(string text) => NginxValueParser.TryParseAnySize(text, out var value) ? (int)Math.Min(value, int.MaxValue) : null;

    private static IPEndPoint ParseEndPoint(string text, Func<string, string, Exception> invalid)
    {
        // nginx's listen address: "port", "addr:port", "[v6]:port", "*:port", "localhost:port".
        if (int.TryParse(text, out var bare))
            return bare is > 0 and <= 65535 ? new IPEndPoint(IPAddress.Any, bare) : throw invalid(text, "port out of range");
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is <= 0 or > 65535)
            throw invalid(text, "expected \"address:port\" or \"port\"");
        var host = text[..colon].Trim('[', ']');
        if (host == "*") return new IPEndPoint(IPAddress.Any, port);
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var address))
            throw invalid(text, "the address must be an IP literal, * or localhost");
        return new IPEndPoint(address, port);
    }
}
