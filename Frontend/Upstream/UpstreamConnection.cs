using System.IO.Pipelines;
using System.Net.Sockets;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// A connection to an upstream mail server as a pair of pipes over its <see cref="NetworkStream"/>, built with the
/// framework's stream adapters: 64 KB reads from <see cref="LargeBlockMemoryPool"/>, and zero-byte reads so an idle
/// session (IMAP IDLE for hours) holds no buffer. A stream also leaves room for TLS to the upstream later.
/// </summary>
internal sealed class UpstreamConnection : IDuplexPipe, IAsyncDisposable
{
    private readonly NetworkStream _stream;

    public UpstreamConnection(Socket socket)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(
            LargeBlockMemoryPool.Instance, LargeBlockMemoryPool.BlockSize, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(
            LargeBlockMemoryPool.Instance, LargeBlockMemoryPool.BlockSize, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
