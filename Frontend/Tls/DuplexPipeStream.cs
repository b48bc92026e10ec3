using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The connection's current pipes as the <see cref="Stream"/> SslStream needs underneath it. Reads copy straight
/// from the pipe's buffers into SslStream's; a zero-byte read waits for data without taking any, so an idle TLS
/// session holds no buffer (SslStream passes its own zero-byte reads down).
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe pipe) : Stream
{
    /// <summary>
    /// Set once the handshake is done: a reset by the client then reads as the end of the stream. Each layer above
    /// (SslStream, the session's PipeReader, the session) would otherwise throw it again, several exceptions per
    /// connection that cost measurable CPU with clients that close with bytes unread (openssl s_time -new closes with
    /// the greeting unread, so the kernel answers with a reset). A reset and an end of stream end a session alike
    /// (RelaySession.End; before login both are the client's close). During the handshake a reset stays an error, so
    /// the handshake's failure is logged with its reason.
    /// </summary>
    public bool ResetReadsAsEnd { get; set; }

    private volatile bool _readsEnded;

    /// <summary>A read found the client's end of stream (its FIN): what a handshake that fails then is logged as.</summary>
    public bool PeerClosed { get; private set; }

    /// <summary>The pending read, and every read after it, finds the end of the stream (TlsTransport.EndReads).</summary>
    public void EndReads()
    {
        _readsEnded = true;
        pipe.Input.CancelPendingRead();
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (!_readsEnded)
        {
            ReadResult result;
            try { result = await pipe.Input.ReadAsync(cancellationToken); }
            catch (ConnectionResetException) when (ResetReadsAsEnd) { return 0; }
            var buffer = result.Buffer;
            if (destination.IsEmpty && !buffer.IsEmpty)
            {
                pipe.Input.AdvanceTo(buffer.Start);
                return 0;
            }
            if (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, length).CopyTo(destination.Span);
                pipe.Input.AdvanceTo(buffer.GetPosition(length));
                return length;
            }
            pipe.Input.AdvanceTo(buffer.End);
            if (result.IsCompleted) PeerClosed = true;
            if (result.IsCompleted || result.IsCanceled) return 0;
        }
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Buffers the bytes in the connection's pipe; <see cref="FlushAsync(CancellationToken)"/> sends them. SslStream
    /// flushes after each handshake message, and the TLS pipes' writer after each of its flushes, which SslStream
    /// writes as one record per 16 KB: one flush per record would hand each record to Kestrel's sender on its own
    /// (a 256 KB relay read is 16 records).
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        pipe.Output.Write(source.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken) => await pipe.Output.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <summary>SslStream writes its alert this way as a handshake fails, with no flush after it: sent at once.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        pipe.Output.Write(buffer.AsSpan(offset, count));
        Flush();
    }

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
