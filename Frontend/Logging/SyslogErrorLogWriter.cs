using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Frontend.Logging;

/// <summary>
/// <c>error_log syslog:…</c>: each line sent as one RFC 3164 datagram over UDP, as nginx's ngx_syslog_writer
/// (src/core/ngx_syslog.c): <c>&lt;PRI&gt;Mmm dd hh:mm:ss HOSTNAME TAG: LINE</c>, PRI = facility × 8 + the line's
/// severity (emerg 0 … debug 7), HOSTNAME left out with <c>nohostname</c>, at most 2048 bytes. A send that fails is
/// dropped (syslog over UDP promises no delivery; nginx does the same).
/// </summary>
public sealed class SyslogErrorLogWriter : ErrorLogWriter
{
    private const int MaxDatagram = 2048;
    private readonly SyslogTarget _target;
    private readonly UdpClient _udp;
    private readonly TimeProvider _time;
    private readonly string _hostname = System.Net.Dns.GetHostName().ToLowerInvariant();
    private readonly Lock _lock = new();

    public SyslogErrorLogWriter(SyslogTarget target, TimeProvider time)
    {
        _target = target;
        _time = time;
        _udp = new UdpClient(target.Host.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        _udp.Connect(target.Host, target.Port);
    }

    public override void Write(LogLevel level, string line)
    {
        var now = _time.GetLocalNow();
        var stamp = string.Create(CultureInfo.InvariantCulture, $"{now:MMM} {now.Day,2} {now:HH:mm:ss}");
        var header = $"<{_target.Facility * 8 + Severity(level)}>{stamp} {(_target.NoHostname ? "" : _hostname + " ")}{_target.Tag}: ";
        var bytes = Encoding.UTF8.GetBytes(header + line);
        try
        {
            lock (_lock) _udp.Send(bytes, Math.Min(bytes.Length, MaxDatagram));
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>nginx's level − 1: emerg 0, alert 1, crit 2, error 3, warn 4, notice 5, info 6, debug 7.</summary>
    private static int Severity(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };

    public override void Dispose()
    {
        lock (_lock) _udp.Dispose();
    }
}
