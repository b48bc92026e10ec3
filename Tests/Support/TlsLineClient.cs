using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A raw line client that starts in plaintext and can switch to TLS on the same socket (implicit TLS or after
/// STARTTLS), for exact transcripts. Every read has a deadline; the server certificate is pinned to the test CA.
/// </summary>
public sealed class TlsLineClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private TlsLineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public SslStream? Tls => _stream as SslStream;

    public static async Task<TlsLineClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new TlsLineClient(tcp);
    }

    /// <summary>Runs the client handshake; throws AuthenticationException/IOException when the server refuses it.</summary>
    public async Task StartTlsAsync(TestCertificates pki, string host = "proxy.test", X509Certificate2? clientCertificate = null,
        List<SslApplicationProtocol>? alpn = null, SslProtocols protocols = SslProtocols.None)
    {
        _pending.Clear();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = protocols,
            ApplicationProtocols = alpn,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => pki.ValidateServer(certificate as X509Certificate2),
        }, deadline.Token);
        _stream = ssl;
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    /// <summary>The next line without its CRLF; null when the server closed; throws on timeout.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            int read;
            try { read = await _stream.ReadAsync(buffer, deadline.Token); }
            catch (IOException) { read = 0; }
            if (read == 0) return _pending.Count > 0 ? Encoding.UTF8.GetString(_pending.ToArray()) : null;
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Lines up to and including the first that starts with <paramref name="prefix"/>.</summary>
    public async Task<List<string>> ReadUntilAsync(string prefix)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException($"closed before '{prefix}'; got: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return lines;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
