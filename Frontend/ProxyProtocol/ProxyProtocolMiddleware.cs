using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Telemetry;

namespace OrleansMail.Frontend.ProxyProtocol;

/// <summary>
/// <c>listen … proxy_protocol</c> (src/mail/ngx_mail_handler.c, src/core/ngx_proxy_protocol.c): every connection must begin with a PROXY v1/v2 header of at
/// most 4096 bytes, within <c>timeout</c>; anything else closes the connection silently, as nginx does. When the peer
/// is in <c>set_real_ip_from</c>, the header's source and destination replace the connection's
/// <see cref="BaseConnectionContext.RemoteEndPoint"/> and <see cref="BaseConnectionContext.LocalEndPoint"/>, so
/// Client-IP, the logs, XCLIENT ADDR/PORT, the Client-Host lookup and the PROXY header to the upstream all follow with
/// no more code.
/// This must run first on the connection, before any TLS step (the header precedes the ClientHello).
/// nginx wants the whole header in the first read; this waits for the rest within <c>timeout</c>, which is kinder to
/// a slow network and no weaker (the size and time stay bounded).
/// </summary>
internal sealed partial class ProxyProtocolMiddleware(RealIpTrust trust, TimeSpan timeout, FrontendMetrics metrics, ListenerLabels labels, ILogger logger)
{
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var header = await ReadHeaderAsync(connection);
        if (header is null)
        {
            metrics.ConnectionRejected(labels, RejectReason.ProxyHeader);
            connection.Abort();
            return;
        }

        connection.Features.Set(new ProxyProtocolFeature(header));
        if (header.Source is { } source && header.Destination is { } destination && trust.Trusts(connection.RemoteEndPoint))
        {
            connection.RemoteEndPoint = source;
            connection.LocalEndPoint = destination;
        }
        await next(connection);
    }

    private async Task<ProxyHeader?> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                switch (ProxyHeaderParser.TryParse(buffer, out var header, out var end))
                {
                    case ProxyHeaderStatus.Complete:
                        input.AdvanceTo(end);
                        return header;
                    case ProxyHeaderStatus.Invalid:
                        input.AdvanceTo(buffer.Start, buffer.End);
                        LogBroken(connection.RemoteEndPoint?.ToString() ?? "unix:", "broken header");
                        return null;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (buffer.Length >= ProxyHeaderParser.MaxLength || result.IsCompleted)
                {
                    LogBroken(connection.RemoteEndPoint?.ToString() ?? "unix:", result.IsCompleted ? "closed before the header ended" : "header too long");
                    return null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            LogBroken(connection.RemoteEndPoint?.ToString() ?? "unix:", "timed out");
            return null;
        }
        catch (Exception e) when (e is IOException or ConnectionResetException)
        {
            LogBroken(connection.RemoteEndPoint?.ToString() ?? "unix:", e.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "PROXY protocol from {Peer}: {Reason}; connection closed")]
    private partial void LogBroken(string peer, string reason);
}
