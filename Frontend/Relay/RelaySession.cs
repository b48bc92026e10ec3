using System.Buffers;
using System.IO.Pipelines;

namespace OrleansMail.Frontend.Relay;

/// <summary>
/// The transparent two-way byte relay after login (src/mail/ngx_mail_proxy_module.c): no parsing; whatever the client pipelined
/// after its login command is forwarded first; the session ends when either side closes (no half-close, as in
/// nginx). <c>proxy_timeout</c> ends a session idle in both directions; unlike nginx, traffic from the server
/// (IDLE updates, a long FETCH) counts as activity too. The idle check is <see cref="RelayIdleMonitor"/>'s.
/// </summary>
internal sealed class RelaySession
{
    private readonly IDuplexPipe _client;
    private readonly IDuplexPipe _upstream;
    private readonly long _idleLimitMs;
    private long _lastActivityMs;

    private RelaySession(IDuplexPipe client, IDuplexPipe upstream, TimeSpan idleTimeout, long now)
    {
        _client = client;
        _upstream = upstream;
        _idleLimitMs = (long)Math.Min(idleTimeout.TotalMilliseconds, long.MaxValue / 2);
        _lastActivityMs = now;
    }

    /// <summary>Relays until either side closes or the session has been idle for <paramref name="idleTimeout"/>.</summary>
    public static async Task RunAsync(IDuplexPipe client, IDuplexPipe upstream, TimeSpan idleTimeout, RelayIdleMonitor monitor)
    {
        var session = new RelaySession(client, upstream, idleTimeout, monitor.Now);
        monitor.Register(session);
        try
        {
            var clientToUpstream = session.PumpAsync(client.Input, upstream.Output, monitor);
            var upstreamToClient = session.PumpAsync(upstream.Input, client.Output, monitor);
            await Task.WhenAny(clientToUpstream, upstreamToClient);
            // One side is done: stop the other one too.
            session.Expire();
            await Task.WhenAll(clientToUpstream, upstreamToClient);
        }
        finally
        {
            monitor.Unregister(session);
        }
    }

    public bool IsIdleAt(long nowMs) => nowMs - Volatile.Read(ref _lastActivityMs) > _idleLimitMs;

    /// <summary>Wakes both pumps, whether they wait to read or to flush to a peer that does not read.</summary>
    public void Expire()
    {
        _client.Input.CancelPendingRead();
        _upstream.Input.CancelPendingRead();
        _client.Output.CancelPendingFlush();
        _upstream.Output.CancelPendingFlush();
    }

    private async Task PumpAsync(PipeReader from, PipeWriter to, RelayIdleMonitor monitor)
    {
        try
        {
            while (true)
            {
                var result = await from.ReadAsync();
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    from.AdvanceTo(buffer.Start);
                    return;
                }
                if (!buffer.IsEmpty)
                {
                    Volatile.Write(ref _lastActivityMs, monitor.Now);
                    foreach (var segment in buffer) to.Write(segment.Span);
                    from.AdvanceTo(buffer.End);
                    var flushed = await to.FlushAsync();
                    if (flushed.IsCompleted || flushed.IsCanceled) return;
                }
                else
                {
                    from.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted) return;
            }
        }
        catch (IOException)
        {
            // A reset on either socket ends the session like an EOF.
        }
        catch (InvalidOperationException)
        {
            // The other side's pipe was already completed by the transport.
        }
    }
}
