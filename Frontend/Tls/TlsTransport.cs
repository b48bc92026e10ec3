using System.IO.Pipelines;
using System.Net.Security;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The pipes a session reads and writes once TLS is up: PipeReader/PipeWriter straight over the SslStream, with the
/// large-block pool and zero-byte reads (an idle TLS session keeps no buffer). Replaces
/// <c>ConnectionContext.Transport</c>, so the session, its ClientChannel and the relay all follow without knowing.
/// </summary>
/// <param name="stream">The TLS stream over <paramref name="underneath"/>.</param>
/// <param name="underneath">The connection's plaintext pipes as SslStream's inner stream.</param>
internal sealed class TlsTransport(SslStream stream, DuplexPipeStream underneath) : IDuplexPipe, IAsyncDisposable
{
    public SslStream Stream => stream;

    /// <summary>
    /// Ends the reads: the pending one (or the next) finds the end of the stream, so <see cref="Input"/> completes.
    /// <c>Input.CancelPendingRead()</c> would cancel SslStream's read with its token instead, and the
    /// OperationCanceledException it throws is caught and thrown again at every await from the Kestrel pipe up to the
    /// StreamPipeReader: about five throws for each TLS session a relay ends. Only for a reader that is done with the
    /// connection (the relay as it stops): nothing can be read after it.
    /// </summary>
    public void EndReads() => underneath.EndReads();

    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(
        pool: LargeBlockMemoryPool.Instance, bufferSize: LargeBlockMemoryPool.BlockSize, leaveOpen: true, useZeroByteReads: true));

    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(
        pool: LargeBlockMemoryPool.Instance, minimumBufferSize: LargeBlockMemoryPool.BlockSize, leaveOpen: true));

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await stream.DisposeAsync();
    }
}
