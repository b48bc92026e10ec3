using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Bench;

/// <summary>Something the server said or did that the scenario did not expect.</summary>
internal sealed class BenchProtocolException(string message) : Exception(message);

/// <summary>
/// A deliberately cheap IMAP client: one socket, one receive buffer, CRLF lines and literals read straight from
/// that buffer. Lines are compared as bytes; only the few lines a scenario needs to look into become strings.
/// Connects to 127.0.0.1 only.
/// </summary>
internal sealed class ImapConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    private ImapConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes of literal data received so far (relay scenario).</summary>
    public long LiteralBytes { get; private set; }

    public static async Task<ImapConnection> ConnectAsync(int port, int bufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ImapConnection(socket, bufferSize);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendAllAsync(data, cancellationToken);

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
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0) throw new BenchProtocolException("connection closed by the server");
        _end += read;
    }

    /// <summary>Reads lines until the tagged reply for <paramref name="tag"/>; throws unless it is OK.</summary>
    public async ValueTask ExpectTaggedOkAsync(ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (IsTagged(line.Span, tag.Span, out var ok))
            {
                if (!ok) throw new BenchProtocolException("unexpected reply: " + Encoding.ASCII.GetString(line.Span));
                return;
            }
        }
    }

    /// <summary>Reads the greeting; throws unless it is <c>* OK</c>.</summary>
    public async ValueTask ExpectGreetingAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        if (!line.Span.StartsWith("* OK"u8))
        {
            throw new BenchProtocolException("unexpected greeting: " + Encoding.ASCII.GetString(line.Span));
        }
    }

    /// <summary>Reads until a continuation request (<c>+ ...</c>); a tagged reply on the way is an error.</summary>
    public async ValueTask ExpectContinuationAsync(ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.Span.StartsWith("+"u8)) return;
            if (IsTagged(line.Span, tag.Span, out _))
            {
                throw new BenchProtocolException("expected a continuation, got: " + Encoding.ASCII.GetString(line.Span));
            }
        }
    }

    /// <summary>
    /// Reads the reply to <c>tag FETCH n BODY.PEEK[]</c>: the untagged FETCH line ending in <c>{size}</c>, the
    /// literal (skipped), the rest of the FETCH line, then the tagged OK. Returns the literal's size.
    /// </summary>
    public async ValueTask<long> ReadFetchLiteralAsync(ReadOnlyMemory<byte> tag, CancellationToken cancellationToken)
    {
        long size = -1;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            var span = line.Span;
            if (IsTagged(span, tag.Span, out var ok))
            {
                if (!ok) throw new BenchProtocolException("FETCH failed: " + Encoding.ASCII.GetString(span));
                if (size < 0) throw new BenchProtocolException("FETCH returned no literal");
                return size;
            }
            if (span.Length > 2 && span[^1] == '}' && span.StartsWith("* "u8))
            {
                var open = span.LastIndexOf((byte)'{');
                if (open < 0 || !long.TryParse(span[(open + 1)..^1], out var literal))
                {
                    throw new BenchProtocolException("bad literal in: " + Encoding.ASCII.GetString(span));
                }
                size = literal;
                await SkipAsync(literal, cancellationToken);
            }
        }
    }

    private static bool IsTagged(ReadOnlySpan<byte> line, ReadOnlySpan<byte> tag, out bool ok)
    {
        ok = false;
        if (line.Length <= tag.Length || !line.StartsWith(tag) || line[tag.Length] != ' ') return false;
        ok = line[(tag.Length + 1)..].StartsWith("OK"u8);
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
