using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// The client side of a mail session before the relay starts: reads and writes on the Kestrel connection's pipes,
/// each bounded by the <c>timeout</c> directive (nginx: the inactivity timeout before relaying).
/// A read or write that times out throws <see cref="OperationCanceledException"/>, which ends the session; so does
/// every read and write once the constructor's <c>closing</c> token is cancelled (the end of a graceful stop's drain).
/// </summary>
internal sealed class ClientChannel : IDisposable
{
    private readonly ConnectionContext _connection;
    private readonly CancellationTokenSource _timeout;
    private readonly TimeSpan _limit;

    public ClientChannel(ConnectionContext connection, TimeSpan timeout, CancellationToken closing)
    {
        _connection = connection;
        _limit = timeout;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, closing);
        ClientIp = FormatAddress(connection.RemoteEndPoint);
    }

    public PipeReader Input => _connection.Transport.Input;

    public PipeWriter Output => _connection.Transport.Output;

    /// <summary>The client's address as nginx sends it in Client-IP (IPv4-mapped IPv6 shown as IPv4).</summary>
    public string ClientIp { get; }

    /// <summary>Cancelled when the client goes away; for waits that are not reads or writes (auth calls, Auth-Wait).</summary>
    public CancellationToken Closed => _connection.ConnectionClosed;

    // Pooled builder: each await that goes asynchronous would otherwise allocate a state-machine box per login (docs/performance/login-profile.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadResult> ReadAsync()
    {
        _timeout.CancelAfter(_limit);
        try { return await Input.ReadAsync(_timeout.Token); }
        finally { Disarm(); }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, Output.GetSpan(length));
        Output.Advance(length);
        await FlushAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) Output.Write(segment.Span);
        await FlushAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync()
    {
        _timeout.CancelAfter(_limit);
        try { await Output.FlushAsync(_timeout.Token); }
        finally { Disarm(); }
    }

    /// <summary>
    /// The session's last line (the process is stopping): written and flushed within the <c>timeout</c> directive
    /// whatever cancelled the session's own reads and writes; a client that went away or does not read is no error here.
    /// </summary>
    public async ValueTask SendLastAsync(string text)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_connection.ConnectionClosed);
        limit.CancelAfter(_limit);
        try
        {
            var length = Encoding.UTF8.GetByteCount(text);
            Encoding.UTF8.GetBytes(text, Output.GetSpan(length));
            Output.Advance(length);
            // A flush cancelled by the relay's stop returns at once; the second one waits until the line is sent.
            var flushed = await Output.FlushAsync(limit.Token);
            if (flushed.IsCanceled) await Output.FlushAsync(limit.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException) { }
    }

    /// <summary>Stops the running timer; a timer that already fired leaves the token cancelled and the session ends.</summary>
    private void Disarm()
    {
        if (!_timeout.IsCancellationRequested) _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timeout.Dispose();

    private static string FormatAddress(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => ip.Address.MapToIPv4().ToString(),
        IPEndPoint ip => ip.Address.ToString(),
        null => "unix:",
        _ => endPoint.ToString() ?? "unix:",
    };
}
