using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Frontend.Tls;
using OrleansMail.Frontend.Upstream;

namespace OrleansMail.Frontend.Relay;

/// <summary>
/// The transparent two-way byte relay after login (src/mail/ngx_mail_proxy_module.c): no parsing; whatever the client pipelined
/// after its login command is forwarded first; the session ends when either side closes (no half-close, as in
/// nginx). <c>proxy_timeout</c> ends a session idle in both directions; unlike nginx, traffic from the server
/// (IDLE updates, a long FETCH) counts as activity too. The idle check is <see cref="RelayIdleMonitor"/>'s.
/// Each forwarded chunk is added to <c>orleansmail.relay.bytes</c> and to the session's totals (its closing log line).
/// <para>
/// The upstream side is the connection's stream itself, not pipes over it: the upstream's bytes are read straight
/// into the client pipe's buffer and the client's bytes are written from the client pipe's buffer straight to the
/// upstream, so every byte is copied by the kernel only, as nginx's relay does it, and a small command costs one
/// write on the caller's thread instead of a pipe flush and a hand-over to the pipe's reader. The client side stays
/// Kestrel's pipes (or the TLS pipes over them): Kestrel owns that socket's receive and send loops
/// (docs/performance/relay.md explains why the relay does not splice).
/// </para>
/// </summary>
internal sealed class RelaySession
{
    /// <summary>
    /// The most one upstream read takes once a read has filled its buffer (a large FETCH is streaming): four of the
    /// pool's blocks, so a big transfer costs a quarter of the system calls that 64 KB reads would. Small replies
    /// read into one 64 KB block, which the pool keeps at hand; an idle session holds no buffer at all.
    /// </summary>
    private const int StreamingReadSize = 4 * LargeBlockMemoryPool.BlockSize;

    private readonly IDuplexPipe _client;
    private readonly UpstreamConnection _upstream;
    private readonly long _idleLimitMs;
    private readonly RelayIdleMonitor _monitor;
    private readonly FrontendMetrics _metrics;
    private readonly TagList _toUpstreamTags;
    private readonly TagList _toClientTags;
    private readonly CancellationTokenSource _stopped = new();
    private long _lastActivityMs;
    private volatile bool _idleExpired;

    public RelaySession(IDuplexPipe client, UpstreamConnection upstream, TimeSpan idleTimeout, RelayIdleMonitor monitor, FrontendMetrics metrics, ListenerLabels labels)
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
            var clientToUpstream = ClientToUpstreamAsync();
            var upstreamToClient = UpstreamToClientAsync();
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

    /// <summary>Wakes both directions, whether they wait to read or to write to a peer that does not read.</summary>
    public void Expire()
    {
        if (_client is TlsTransport tls) tls.EndReads();
        else _client.Input.CancelPendingRead();
        _client.Output.CancelPendingFlush();
        // Never disposed (it has no timer), so the idle monitor or a drain may cancel it at any time.
        _stopped.Cancel();
    }

    /// <summary>Client to upstream: each chunk Kestrel received is written to the upstream from Kestrel's own buffer.</summary>
    private async Task<SessionEnd> ClientToUpstreamAsync()
    {
        var from = _client.Input;
        var to = _upstream.Stream;
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
                    return SessionEnd.ClientClosed;
                }
                if (!buffer.IsEmpty)
                {
                    Touch();
                    if (buffer.IsSingleSegment) await to.WriteAsync(buffer.First, _stopped.Token);
                    else foreach (var segment in buffer) await to.WriteAsync(segment, _stopped.Token);
                    Count(buffer.Length, toClient: false);
                }
                from.AdvanceTo(buffer.End);
                if (result.IsCompleted) return SessionEnd.ClientClosed;
            }
        }
        catch (Exception e) when (IsEnd(e))
        {
            return End(e, reading, sourceEnded: SessionEnd.ClientClosed, destinationEnded: SessionEnd.UpstreamClosed);
        }
    }

    /// <summary>
    /// Upstream to client: first what the login dialogue's reader holds already, then each read lands in the client
    /// pipe's buffer. A zero-byte read waits for the upstream first, so a session idle for hours (IMAP IDLE) holds no buffer.
    /// </summary>
    private async Task<SessionEnd> UpstreamToClientAsync()
    {
        var to = _client.Output;
        var from = _upstream.Stream;
        var reading = true;
        try
        {
            if (await ForwardBufferedAsync() is { } ended) return ended;
            var streaming = false;
            while (true)
            {
                reading = true;
                _ = await from.ReadAsync(Memory<byte>.Empty, _stopped.Token);
                var memory = to.GetMemory(streaming ? StreamingReadSize : LargeBlockMemoryPool.BlockSize);
                var read = await from.ReadAsync(memory, _stopped.Token);
                reading = false;
                if (read == 0) return SessionEnd.UpstreamClosed;
                streaming = read == memory.Length;
                Touch();
                EndsMidLine = memory.Span[read - 1] != (byte)'\n';
                to.Advance(read);
                Count(read, toClient: true);
                var flushed = await to.FlushAsync();
                if (flushed.IsCompleted || flushed.IsCanceled) return SessionEnd.ClientClosed;
            }
        }
        catch (Exception e) when (IsEnd(e))
        {
            return End(e, reading, sourceEnded: SessionEnd.UpstreamClosed, destinationEnded: SessionEnd.ClientClosed);
        }
    }

    /// <summary>
    /// The bytes the upstream sent after its login reply, read already by the login dialogue's pipe (an IMAP
    /// server's untagged lines, the answers to commands the client pipelined): forwarded first, in order. Returns
    /// how the session ended if that was all.
    /// </summary>
    private async ValueTask<SessionEnd?> ForwardBufferedAsync()
    {
        var from = _upstream.Input;
        var pending = await _upstream.ReadBufferedAsync();
        var buffer = pending.Buffer;
        var length = buffer.Length;
        if (length > 0)
        {
            Touch();
            foreach (var segment in buffer) _client.Output.Write(segment.Span);
            EndsMidLine = buffer.Slice(length - 1).FirstSpan[0] != (byte)'\n';
        }
        from.AdvanceTo(buffer.End);
        if (pending.IsCompleted) return SessionEnd.UpstreamClosed;
        if (length == 0) return null;
        Count(length, toClient: true);
        var flushed = await _client.Output.FlushAsync();
        return flushed.IsCompleted || flushed.IsCanceled ? SessionEnd.ClientClosed : null;
    }

    private void Touch() => Volatile.Write(ref _lastActivityMs, _monitor.Now);

    /// <summary>The ways a direction ends other than an orderly close: an expired relay, a reset, a transport that went away.</summary>
    private static bool IsEnd(Exception e) =>
        e is ConnectionAbortedException or OperationCanceledException or IOException or InvalidOperationException or ObjectDisposedException;

    private static SessionEnd End(Exception e, bool reading, SessionEnd sourceEnded, SessionEnd destinationEnded) => e switch
    {
        // Kestrel aborts the client's connection when the process stops after worker_shutdown_timeout.
        ConnectionAbortedException => SessionEnd.Shutdown,
        // Expired: whichever way this direction was waiting, the reason is the relay's (idle, drain) or the other direction's.
        OperationCanceledException => sourceEnded,
        // A reset on either socket ends the session like an EOF.
        IOException => reading ? sourceEnded : destinationEnded,
        // The other side's pipe was already completed by the transport, or its stream disposed.
        _ => destinationEnded,
    };

    /// <summary>One forwarded chunk: the session's total, and the counter when an exporter listens.</summary>
    private void Count(long bytes, bool toClient)
    {
        if (toClient) BytesToClient += bytes;
        else BytesFromClient += bytes;
        if (_metrics.RelayBytesEnabled) _metrics.RelayBytes(bytes, toClient ? _toClientTags : _toUpstreamTags);
    }
}
