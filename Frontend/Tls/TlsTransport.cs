using System.IO.Pipelines;
using System.Net.Security;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Tls;

/// <summary>
/// The pipes a session reads and writes once TLS is up: PipeReader/PipeWriter straight over the SslStream, with the
/// large-block pool and zero-byte reads (an idle TLS session keeps no buffer). Replaces
/// <c>ConnectionContext.Transport</c>, so the session, its ClientChannel and the relay all follow without knowing.
/// </summary>
internal sealed class TlsTransport(SslStream stream) : IDuplexPipe, IAsyncDisposable
{
    public SslStream Stream => stream;

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
