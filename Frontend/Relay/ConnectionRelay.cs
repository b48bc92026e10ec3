using System.Buffers;
using System.IO.Pipelines;

namespace OrleansMail.Frontend.Relay;

/// <summary>
/// The transparent two-way byte relay after login (nginx-mail.md §3.6): no parsing, everything the client
/// pipelined after its login command is forwarded first, and the session ends when either side closes
/// (no half-close, as in nginx). <c>proxy_timeout</c> closes a session idle in both directions; unlike nginx,
/// traffic from the server (IDLE updates, a long FETCH) counts as activity too.
/// </summary>
internal static class ConnectionRelay
{
    public static async Task RunAsync(IDuplexPipe client, IDuplexPipe upstream, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(idleTimeout);
        var clientToUpstream = PumpAsync(client.Input, upstream.Output, stop, idleTimeout);
        var upstreamToClient = PumpAsync(upstream.Input, client.Output, stop, idleTimeout);
        await Task.WhenAny(clientToUpstream, upstreamToClient);
        // One side is done: stop the other one too.
        stop.Cancel();
        await Task.WhenAll(clientToUpstream, upstreamToClient);
    }

    private static async Task PumpAsync(PipeReader from, PipeWriter to, CancellationTokenSource stop, TimeSpan idleTimeout)
    {
        try
        {
            while (true)
            {
                var result = await from.ReadAsync(stop.Token);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    stop.CancelAfter(idleTimeout);
                    foreach (var segment in buffer) to.Write(segment.Span);
                    var flushed = await to.FlushAsync(stop.Token);
                    from.AdvanceTo(buffer.End);
                    if (flushed.IsCompleted) return;
                }
                else
                {
                    from.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (OperationCanceledException)
        {
            // Idle timeout, or the other direction finished.
        }
        catch (IOException)
        {
            // A reset on either socket ends the session like an EOF.
        }
    }
}
