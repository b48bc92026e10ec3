using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Configuration;

/// <summary>
/// nginx's <c>so_keepalive=on|off|[idle]:[interval]:[count]</c>: TCP keep-alive on accepted connections; an empty
/// part keeps the system's value (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT).
/// </summary>
public sealed record TcpKeepAlive(bool Enabled, TimeSpan? Idle = null, TimeSpan? Interval = null, int? Count = null)
{
    public static TcpKeepAlive? Parse(string text)
    {
        if (text == "on") return new TcpKeepAlive(true);
        if (text == "off") return new TcpKeepAlive(false);
        var parts = text.Split(':');
        if (parts.Length != 3) return null;
        TimeSpan? idle = null, interval = null;
        int? count = null;
        if (parts[0].Length > 0) { if (!NginxValueParser.TryParseTime(parts[0], out var t) || t < TimeSpan.FromSeconds(1)) return null; idle = t; }
        if (parts[1].Length > 0) { if (!NginxValueParser.TryParseTime(parts[1], out var t) || t < TimeSpan.FromSeconds(1)) return null; interval = t; }
        if (parts[2].Length > 0) { if (!int.TryParse(parts[2], out var c) || c <= 0) return null; count = c; }
        return new TcpKeepAlive(true, idle, interval, count);
    }
}
