using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansMail.Frontend.Tls;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// The stream SslStream runs over: writes wait for a flush (SslStream flushes after each handshake message, the TLS
/// pipes after each of theirs), and ending the reads turns the pending read and every later one into the end of the
/// stream, so a relay that stops ends its TLS reader without an exception thrown through SslStream.
/// </summary>
public sealed class DuplexPipeStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record PipePair(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>The stream over one pipe in each direction, and the far ends: what the peer sends, what it receives.</summary>
    private static (DuplexPipeStream Stream, PipeWriter FromPeer, PipeReader ToPeer) Create()
    {
        var fromPeer = new Pipe();
        var toPeer = new Pipe();
        return (new DuplexPipeStream(new PipePair(fromPeer.Reader, toPeer.Writer)), fromPeer.Writer, toPeer.Reader);
    }

    [Fact]
    public async Task WritesReachThePeerAtTheFlushAndNotBefore()
    {
        var (stream, _, toPeer) = Create();
        await stream.WriteAsync("one "u8.ToArray(), Ct);
        await stream.WriteAsync("two"u8.ToArray(), Ct);
        Assert.False(toPeer.TryRead(out _));

        await stream.FlushAsync(Ct);
        Assert.True(toPeer.TryRead(out var sent));
        Assert.Equal("one two"u8.ToArray(), sent.Buffer.ToArray());
    }

    [Fact]
    public void ASynchronousWriteIsSentAtOnce()
    {
        // SslStream writes its alert this way as a handshake fails, and flushes nothing after it.
        var (stream, _, toPeer) = Create();
        stream.Write("alert"u8.ToArray(), 0, 5);
        Assert.True(toPeer.TryRead(out var sent));
        Assert.Equal("alert"u8.ToArray(), sent.Buffer.ToArray());
    }

    [Fact]
    public async Task EndingTheReadsEndsThePendingReadAndEveryLaterOneWithoutAnException()
    {
        var (stream, fromPeer, _) = Create();
        var buffer = new byte[16];
        var pending = stream.ReadAsync(buffer, Ct).AsTask();
        Assert.False(pending.IsCompleted);

        stream.EndReads();
        Assert.Equal(0, await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // Bytes the peer sends later are never read: the stream has ended.
        await fromPeer.WriteAsync("late"u8.ToArray(), Ct);
        Assert.Equal(0, await stream.ReadAsync(buffer, Ct));
    }

    [Fact]
    public async Task EndingTheReadsWithNoReadPendingEndsTheNextOne()
    {
        var (stream, fromPeer, _) = Create();
        await fromPeer.WriteAsync("buffered"u8.ToArray(), Ct);
        stream.EndReads();
        Assert.Equal(0, await stream.ReadAsync(new byte[16], Ct));
    }

    [Fact]
    public async Task AnSslStreamReadOverItEndsAsTheEndOfTheStream()
    {
        // The relay's case: SslStream waits for the client's next record when the relay stops.
        var (serverSide, clientSide) = TlsPair();
        await using var server = serverSide;
        await using var client = clientSide;
        await Task.WhenAll(
            server.Ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = TestCertificate.Value }, Ct),
            client.Ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, Ct));

        await client.Ssl.WriteAsync("a1 NOOP\r\n"u8.ToArray(), Ct);
        await client.Ssl.FlushAsync(Ct);
        var buffer = new byte[64];
        Assert.Equal("a1 NOOP\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, await server.Ssl.ReadAsync(buffer, Ct)));

        var pending = server.Ssl.ReadAsync(buffer, Ct).AsTask();
        server.Inner.EndReads();
        Assert.Equal(0, await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    private sealed record TlsSide(SslStream Ssl, DuplexPipeStream Inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Ssl.DisposeAsync();
    }

    private static (TlsSide Server, TlsSide Client) TlsPair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var serverInner = new DuplexPipeStream(new PipePair(toServer.Reader, toClient.Writer));
        var clientInner = new DuplexPipeStream(new PipePair(toClient.Reader, toServer.Writer));
        return (new TlsSide(new SslStream(serverInner), serverInner), new TlsSide(new SslStream(clientInner), clientInner));
    }

    /// <summary>A self-signed ECDSA certificate, exported and loaded again so OpenSSL gets its key as a server needs it.</summary>
    private static readonly Lazy<X509Certificate2> TestCertificate = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    });
}
