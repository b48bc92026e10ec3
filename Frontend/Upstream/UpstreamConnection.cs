using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;

namespace OrleansMail.Frontend.Upstream;

/// <summary>
/// A connection to an upstream mail server as a pair of pipes over its <see cref="NetworkStream"/>, or over an
/// <see cref="SslStream"/> on it once TLS is up, built with the framework's stream adapters: 64 KB reads from
/// <see cref="LargeBlockMemoryPool"/>, and zero-byte reads so an idle session (IMAP IDLE for hours) holds no buffer.
/// TLS decrypts straight into the pipe's blocks: no extra copy per read.
/// </summary>
internal sealed class UpstreamConnection : IDuplexPipe, IAsyncDisposable
{
    private readonly NetworkStream _network;
    private Stream _stream;

    public UpstreamConnection(Socket socket, string host, UpstreamSettings settings)
    {
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
        Host = host;
        Settings = settings;
        (Input, Output) = CreatePipes(_stream);
    }

    /// <summary>The upstream host as the auth server named it (the default TLS name).</summary>
    public string Host { get; }

    /// <summary>The settings this upstream is reached with.</summary>
    public UpstreamSettings Settings { get; }

    /// <summary>ProxySsl starttls and TLS not yet started: the login dialogue must upgrade after the greeting.</summary>
    public bool StartTlsPending => Settings.Tls.Mode == UpstreamTlsMode.StartTls && _stream == _network;

    /// <summary>
    /// The connection's stream, TLS or not. The login dialogue talks through <see cref="Input"/> and <see cref="Output"/>;
    /// the relay then reads and writes this stream directly, after taking what <see cref="Input"/> still holds.
    /// </summary>
    public Stream Stream => _stream;

    public PipeReader Input { get; private set; }

    /// <summary>
    /// What <see cref="Input"/> holds already: read from the upstream but not consumed, whether or not the login
    /// dialogue examined it (its TryRead would hide examined bytes until more arrive). A cancelled read returns the
    /// buffer at once without reading the stream.
    /// </summary>
    public ValueTask<ReadResult> ReadBufferedAsync()
    {
        Input.CancelPendingRead();
        return Input.ReadAsync();
    }

    public PipeWriter Output { get; private set; }

    /// <summary>
    /// Starts TLS on the connection (ProxySsl on right after connecting; starttls after the upstream's go-ahead).
    /// Anything the upstream sent after its STARTTLS reply and before the handshake would be plaintext injected
    /// into the protected session (the CVE-2011-0411 pattern, on the client side of the proxy): refused.
    /// </summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (Input.TryRead(out var pending))
        {
            var injected = pending.Buffer.Length;
            Input.AdvanceTo(pending.Buffer.Start);
            if (injected > 0) throw new UpstreamTlsException($"upstream sent {injected} bytes after its STARTTLS reply, before the handshake");
        }
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        _stream = await UpstreamTlsClient.AuthenticateAsync(_network, Settings.Tls, Host, cancellationToken);
        (Input, Output) = CreatePipes(_stream);
    }

    private static (PipeReader, PipeWriter) CreatePipes(Stream stream) => (
        PipeReader.Create(stream, new StreamPipeReaderOptions(
            LargeBlockMemoryPool.Instance, LargeBlockMemoryPool.BlockSize, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(
            LargeBlockMemoryPool.Instance, LargeBlockMemoryPool.BlockSize, leaveOpen: true)));

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await _stream.DisposeAsync();
        if (_stream != _network) await _network.DisposeAsync();
    }
}
