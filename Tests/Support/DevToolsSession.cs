using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A connection to a browser's Chrome DevTools Protocol endpoint (JSON messages over a WebSocket: a command is
/// <c>{id, method, params, sessionId?}</c>, its answer carries the same id with <c>result</c> or <c>error</c>; events
/// have no id and are ignored here). Commands for a page go with the <c>sessionId</c> of a flat
/// <c>Target.attachToTarget</c>, all over the one browser socket.
/// </summary>
public sealed class DevToolsSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Task _receiving;
    private int _nextId;

    private DevToolsSession(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = ReceiveAsync();
    }

    public static async Task<DevToolsSession> ConnectAsync(Uri browserEndpoint, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(browserEndpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new DevToolsSession(socket);
    }

    /// <summary>Sends a command and returns its <c>result</c>; a protocol <c>error</c> throws with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject
        {
            ["id"] = id,
            ["method"] = method,
            ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }),
        };
        if (sessionId is not null) message["sessionId"] = sessionId;

        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()).AsMemory(), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }

        using (cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken)))
        {
            try
            {
                return await answer.Task.ConfigureAwait(false);
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage) continue;

                Dispatch(message.ToArray());
                message.SetLength(0);
            }
            FailPending(new WebSocketException("the browser closed the DevTools connection"));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            FailPending(e);
        }
    }

    private void Dispatch(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id) || !_pending.TryGetValue(id.GetInt32(), out var answer)) return; // an event
        if (root.TryGetProperty("error", out var error))
            answer.TrySetException(new InvalidOperationException($"DevTools error: {error.GetRawText()}"));
        else
            answer.TrySetResult(root.GetProperty("result").Clone());
    }

    private void FailPending(Exception reason)
    {
        foreach (var answer in _pending.Values) answer.TrySetException(reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try { await _receiving.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _socket.Dispose();
        _closing.Dispose();
        _sending.Dispose();
    }
}
