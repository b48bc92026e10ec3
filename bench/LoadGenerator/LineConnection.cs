using System.Net;
using System.Net.Sockets;

namespace OrleansMail.Bench;

/// <summary>Something the server said or did that the scenario did not expect.</summary>
internal sealed class BenchProtocolException(string message) : Exception(message);

/// <summary>
/// A deliberately cheap line-protocol client (IMAP, POP3, SMTP): one socket, one receive buffer, CRLF lines and
/// literals read straight from that buffer. Lines are compared as bytes; only the few lines a scenario needs to look
/// into become strings. The protocols' replies are read by <see cref="ImapReplies"/>, <see cref="Pop3Replies"/> and
/// <see cref="SmtpReplies"/>. Connects to 127.0.0.1 only. After <see cref="StartTlsAsync"/> (implicit TLS right after
/// connecting, or after a STARTTLS go-ahead) the same reads and writes go through the TLS stream instead.
/// </summary>
internal sealed class LineConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private Stream? _tls;
    private int _start;
    private int _end;

    private LineConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes of literal data received so far (relay scenario).</summary>
    public long LiteralBytes { get; private set; }

    /// <param name="port">The loopback port to connect to.</param>
    /// <param name="bufferSize">The receive buffer, the longest line it reads.</param>
    /// <param name="cancellationToken">Ends the connect.</param>
    /// <param name="from">The local loopback address to connect from (another client address); any when null.</param>
    public static async Task<LineConnection> ConnectAsync(int port, int bufferSize, CancellationToken cancellationToken, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (from is not null) socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new LineConnection(socket, bufferSize);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _tls is { } tls ? tls.WriteAsync(data, cancellationToken) : SendAllAsync(data, cancellationToken);

    /// <summary>
    /// Runs <paramref name="client"/>'s TLS handshake on this connection; from then on every read and write is
    /// encrypted. Anything the server sent before its go-ahead and that is still unread here would be a plaintext
    /// injection (CVE-2011-0411's kind): the scenario fails rather than read it as if it came under TLS.
    /// </summary>
    public async ValueTask StartTlsAsync(TlsClient client, CancellationToken cancellationToken)
    {
        if (_tls is not null) throw new BenchProtocolException("TLS started twice");
        if (_end != _start) throw new BenchProtocolException("the server sent data after its TLS go-ahead, before the handshake");
        _start = _end = 0;
        _tls = await client.AuthenticateAsync(new NetworkStream(_socket, ownsSocket: false), cancellationToken);
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    /// <summary>Reads one line (without CRLF); the returned memory is valid until the next read.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken cancellationToken)
    {
        var searchFrom = _start;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', searchFrom, _end - searchFrom);
            if (lf >= 0)
            {
                var lineEnd = lf > _start && _buffer[lf - 1] == '\r' ? lf - 1 : lf;
                var line = new ReadOnlyMemory<byte>(_buffer, _start, lineEnd - _start);
                _start = lf + 1;
                return line;
            }
            searchFrom = _end;
            if (_start > 0)
            {
                // Keep the partial line at the front of the buffer.
                var pending = _end - _start;
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                searchFrom -= _start;
                _start = 0;
                _end = pending;
            }
            if (_end == _buffer.Length) throw new BenchProtocolException("line longer than the receive buffer");
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>Reads and discards <paramref name="count"/> bytes of a literal.</summary>
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start)
            {
                _start = _end = 0;
                await FillAsync(cancellationToken);
            }
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
            LiteralBytes += take;
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        var read = _tls is { } tls
            ? await tls.ReadAsync(_buffer.AsMemory(_end), cancellationToken)
            : await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0) throw new BenchProtocolException("connection closed by the server");
        _end += read;
    }

    public void Dispose()
    {
        _tls?.Dispose();
        _socket.Dispose();
    }
}
