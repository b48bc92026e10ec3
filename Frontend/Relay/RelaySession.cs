using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansMail.Frontend.Telemetry;

namespace OrleansMail.Frontend.Relay;

/// <summary>
/// The transparent two-way byte relay after login (src/mail/ngx_mail_proxy_module.c): no parsing; whatever the client pipelined
/// after its login command is forwarded first; the session ends when either side closes (no half-close, as in
/// nginx). <c>proxy_timeout</c> ends a session idle in both directions; unlike nginx, traffic from the server
/// (IDLE updates, a long FETCH) counts as activity too. The idle check is <see cref="RelayIdleMonitor"/>'s.
/// Each forwarded chunk is added to <c>orleansmail.relay.bytes</c> and to the session's totals (its closing log line).
/// </summary>
internal sealed class RelaySession
{
    private readonly IDuplexPipe _client;
    private readonly IDuplexPipe _upstream;
    private readonly long _idleLimitMs;
    private readonly RelayIdleMonitor _monitor;
    private readonly FrontendMetrics _metrics;
    private readonly TagList _toUpstreamTags;
    private readonly TagList _toClientTags;
    private long _lastActivityMs;
    private volatile bool _idleExpired;

    public RelaySession(IDuplexPipe client, IDuplexPipe upstream, TimeSpan idleTimeout, RelayIdleMonitor monitor, FrontendMetrics metrics, ListenerLabels labels)
    {
        _client = client;
        _upstream = upstream;
        _idleLimitMs = (long)Math.Min(idleTimeout.TotalMilliseconds, long.MaxValue / 2);
        _monitor = monitor;
        _metrics = metrics;
        _toUpstreamTags = FrontendMetrics.RelayTags(labels, "client_to_upstream");
        _toClientTags = FrontendMetrics.RelayTags(labels, "upstream_to_client");
        _lastActivityMs = monitor.Now;
    }

    /// <summary>Bytes forwarded from the client to the upstream so far.</summary>
    public long BytesFromClient { get; private set; }

    /// <summary>Bytes forwarded from the upstream to the client so far.</summary>
    public long BytesToClient { get; private set; }

    /// <summary>The last byte forwarded to the client was not a line feed: a line of the proxy's own must start with CRLF.</summary>
    public bool EndsMidLine { get; private set; }

    /// <summary>Relays until either side closes or the session has been idle for its idle timeout; returns how it ended.</summary>
    public async Task<SessionEnd> RunAsync()
    {
        _monitor.Register(this);
        try
        {
            var clientToUpstream = PumpAsync(_client.Input, _upstream.Output, toClient: false);
            var upstreamToClient = PumpAsync(_upstream.Input, _client.Output, toClient: true);
            var first = await Task.WhenAny(clientToUpstream, upstreamToClient);
            // One side is done: stop the other one too.
            Expire();
            await Task.WhenAll(clientToUpstream, upstreamToClient);
            return _idleExpired ? SessionEnd.Timeout : first.Result;
        }
        finally
        {
            _monitor.Unregister(this);
        }
    }

    public bool IsIdleAt(long nowMs) => nowMs - Volatile.Read(ref _lastActivityMs) > _idleLimitMs;

    /// <summary><c>proxy_timeout</c> passed: ends the relay as timed out.</summary>
    public void ExpireIdle()
    {
        _idleExpired = true;
        Expire();
    }

    /// <summary>Wakes both pumps, whether they wait to read or to flush to a peer that does not read.</summary>
    public void Expire()
    {
        _client.Input.CancelPendingRead();
        _upstream.Input.CancelPendingRead();
        _client.Output.CancelPendingFlush();
        _upstream.Output.CancelPendingFlush();
    }

    /// <summary>Copies one direction until its source ends, its destination goes away or the relay is expired; returns which side ended it.</summary>
    private async Task<SessionEnd> PumpAsync(PipeReader from, PipeWriter to, bool toClient)
    {
        var sourceEnded = toClient ? SessionEnd.UpstreamClosed : SessionEnd.ClientClosed;
        var destinationEnded = toClient ? SessionEnd.ClientClosed : SessionEnd.UpstreamClosed;
        var reading = true;
        try
        {
            while (true)
            {
                reading = true;
                var result = await from.ReadAsync();
                reading = false;
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    from.AdvanceTo(buffer.Start);
                    return sourceEnded;
                }
                if (!buffer.IsEmpty)
                {
                    Volatile.Write(ref _lastActivityMs, _monitor.Now);
                    foreach (var segment in buffer) to.Write(segment.Span);
                    if (toClient) EndsMidLine = buffer.Slice(buffer.Length - 1).FirstSpan[0] != (byte)'\n';
                    var length = buffer.Length;
                    from.AdvanceTo(buffer.End);
                    Count(length, toClient);
                    var flushed = await to.FlushAsync();
                    if (flushed.IsCompleted || flushed.IsCanceled) return destinationEnded;
                }
                else
                {
                    from.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted) return sourceEnded;
            }
        }
        catch (ConnectionAbortedException)
        {
            // Kestrel aborts the client's connection when the process stops after worker_shutdown_timeout.
            return SessionEnd.Shutdown;
        }
        catch (IOException)
        {
            // A reset on either socket ends the session like an EOF.
            return reading ? sourceEnded : destinationEnded;
        }
        catch (InvalidOperationException)
        {
            // The other side's pipe was already completed by the transport.
            return destinationEnded;
        }
    }

    /// <summary>One forwarded chunk: the session's total, and the counter when an exporter listens.</summary>
    private void Count(long bytes, bool toClient)
    {
        if (toClient) BytesToClient += bytes;
        else BytesFromClient += bytes;
        if (_metrics.RelayBytesEnabled) _metrics.RelayBytes(bytes, toClient ? _toClientTags : _toUpstreamTags);
    }
}
