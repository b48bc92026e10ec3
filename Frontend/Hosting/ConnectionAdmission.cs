using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Telemetry;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// The two steps every accepted connection passes before its session starts (<see cref="MailListener"/>):
/// <see cref="OpenAsync"/> counts it against <c>WorkerConnections</c> at once, before any byte is read (a flood of
/// silent connections counts too); <see cref="PreloginAsync"/> counts it against its client prefix's
/// <c>PreloginConnectionsPerAddress</c> once the client address is known (after a PROXY header), until the session
/// logs in (<see cref="ConnectionLimits.PreloginSlot"/> is then released by the session) or ends. A connection over
/// a limit gets <see cref="OverLimitReplies"/> and is closed. Refusals are logged at most once a second, with the
/// count since the last line, so a flood cannot flood the log too.
/// </summary>
internal sealed partial class ConnectionAdmission(ConnectionLimits limits, FrontendMetrics metrics, TimeProvider time, ILogger<ConnectionAdmission> logger)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _logGate = new();
    private long _lastLogged = long.MinValue;
    private int _unlogged;

    public async Task OpenAsync(ConnectionContext connection, ListenerState state, ConnectionDelegate next)
    {
        connection.Features.Set(new AcceptedAt(time.GetTimestamp()));
        // Every accepted connection is opened and active until it closes, a refused one too.
        metrics.ConnectionOpened(state.Labels);
        try
        {
            if (!limits.TryOpen())
            {
                metrics.ConnectionRejected(state.Labels, RejectReason.WorkerConnections);
                Refused("worker_connections are not enough", limits.Settings.WorkerConnections, connection);
                await RefuseAsync(connection, state, OverLimitReplies.Busy);
                return;
            }
            try { await next(connection); }
            finally { limits.Close(); }
        }
        finally
        {
            metrics.ConnectionClosed(state.Labels);
        }
    }

    public async Task PreloginAsync(ConnectionContext connection, ListenerState state, ConnectionDelegate next)
    {
        if (limits.TryEnterPrelogin(connection.RemoteEndPoint) is not { } slot)
        {
            metrics.ConnectionRejected(state.Labels, RejectReason.PreloginPerAddress);
            Refused("too many connections before login from one address", limits.Settings.PreloginPerAddress, connection);
            await RefuseAsync(connection, state, OverLimitReplies.BusyFromAddress);
            return;
        }
        connection.Features.Set(slot);
        try { await next(connection); }
        finally { slot.Release(); }
    }

    /// <summary>The temporary-failure line (none on an implicit-TLS port), sent without waiting on a client that does not read.</summary>
    private static async Task RefuseAsync(ConnectionContext connection, ListenerState state, string reason)
    {
        if (state.Settings.Tls.Implicit) return;
        var output = connection.Transport.Output;
        output.Write(Encoding.ASCII.GetBytes(OverLimitReplies.For(state.Settings.Protocol, reason)));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try { await output.FlushAsync(deadline.Token); }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException) { }
    }

    private void Refused(string reason, int limit, ConnectionContext connection)
    {
        var now = time.GetTimestamp();
        int suppressed;
        lock (_logGate)
        {
            if (_lastLogged != long.MinValue && time.GetElapsedTime(_lastLogged, now) < LogInterval)
            {
                _unlogged++;
                return;
            }
            _lastLogged = now;
            suppressed = _unlogged;
            _unlogged = 0;
        }
        LogRefused(reason, limit, connection.RemoteEndPoint?.ToString() ?? "unix:", suppressed);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "{Reason} ({Limit}): refused a connection from {Client}; {Suppressed} more refused since the last such line")]
    private partial void LogRefused(string reason, int limit, string client, int suppressed);
}
