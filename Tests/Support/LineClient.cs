using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A raw line-oriented TCP client for protocol transcripts: sends exact bytes and reads exact reply lines, with a
/// deadline on every read so a test can never hang.
/// </summary>
public sealed class LineClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private LineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static Task<LineClient> ConnectAsync(int port) => ConnectAsync(System.Net.IPAddress.Loopback, port, CancellationToken.None);

    public static async Task<LineClient> ConnectAsync(System.Net.IPAddress address, int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient(address.AddressFamily) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(address, port, cancellationToken);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        return new LineClient(tcp);
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> from <paramref name="local"/> (another loopback address: another client).</summary>
    public static async Task<LineClient> ConnectFromAsync(System.Net.IPAddress local, int port, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient(new System.Net.IPEndPoint(local, 0)) { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        return new LineClient(tcp);
    }

    /// <summary>The TLS stream once <see cref="StartTlsAsync"/> has run.</summary>
    public System.Net.Security.SslStream? Tls => _stream as System.Net.Security.SslStream;

    /// <summary>
    /// Switches this connection to TLS (implicit TLS, or after STARTTLS/STLS), the server certificate pinned to the
    /// test CA; throws AuthenticationException/IOException when the server refuses the handshake.
    /// </summary>
    public async Task StartTlsAsync(TestCertificates pki, string host = "proxy.test",
        System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null,
        List<System.Net.Security.SslApplicationProtocol>? alpn = null)
    {
        _pending.Clear();
        var ssl = new System.Net.Security.SslStream(_stream, leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = alpn,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                pki.ValidateServer(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2),
        }, deadline.Token);
        _stream = ssl;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>The next line without its CRLF; throws on timeout; null when the server closed.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
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

    /// <summary>Reads lines up to and including the first one starting with <paramref name="prefix"/>.</summary>
    public async Task<List<string>> ReadUntilAsync(string prefix, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(timeout) ?? throw new IOException($"closed before '{prefix}'; got: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return lines;
        }
    }

    /// <summary>True when the server closes the connection within the timeout (after any remaining lines).</summary>
    public async Task<bool> IsClosedAsync(TimeSpan? timeout = null)
    {
        try
        {
            while (await ReadLineAsync(timeout ?? TimeSpan.FromSeconds(5)) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
