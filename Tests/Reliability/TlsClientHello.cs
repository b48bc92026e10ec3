using System.Net.Security;

namespace OrleansMail.Tests.Reliability;

/// <summary>
/// The bytes of a real ClientHello, as .NET's own TLS client (OpenSSL underneath) sends it first: captured by running a
/// client handshake over a stream that keeps what is written and never answers, so a hostile client can trickle a
/// genuine ClientHello to a server byte by byte instead of a made-up one.
/// </summary>
internal static class TlsClientHello
{
    public static async Task<byte[]> CaptureAsync(string serverName)
    {
        var capture = new CapturingStream();
        using var ssl = new SslStream(capture, leaveInnerStreamOpen: true);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName }, stop.Token);
        var hello = await capture.FirstWrite.Task.WaitAsync(stop.Token);
        await stop.CancelAsync();
        try { await handshake; }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException) { }
        return hello;
    }

    /// <summary>Keeps the first write; a read waits until the handshake is cancelled (no server ever answers).</summary>
    private sealed class CapturingStream : Stream
    {
        public TaskCompletionSource<byte[]> FirstWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => FirstWrite.TrySetResult(buffer.AsSpan(offset, count).ToArray());

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            FirstWrite.TrySetResult(buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the handshake reads asynchronously");
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
