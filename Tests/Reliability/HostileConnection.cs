using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansMail.Tests.Reliability;

/// <summary>
/// One hostile client socket, the <c>index</c>th of the flood: connected from its own loopback address, it keeps one receive pending (which sees the
/// greeting, any reply and finally the server's close) and sends what its <see cref="HostileKind"/> has due whenever
/// <see cref="Tick"/> is called by the flood's one timer. No thread and no timer of its own, so ten thousand are cheap.
/// </summary>
internal sealed class HostileConnection(HostileKind kind, int index, IPAddress source) : IDisposable
{
    private readonly byte[] _payload = kind.Payload(index);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly StringBuilder _received = new();
    private int _sent;
    private bool _openingSent;
    private long _phaseStartedAt;
    private long _closedAt;

    public HostileKind Kind => kind;

    /// <summary>When the connect completed (Stopwatch timestamp).</summary>
    public long ConnectedAt { get; private set; }

    /// <summary>When the server closed the connection (Stopwatch timestamp), or 0 while it is open.</summary>
    public long ClosedAt => Volatile.Read(ref _closedAt);

    public bool Closed => ClosedAt != 0;

    /// <summary>When this kind's phase began (connect, or the reply to its opening); 0 before.</summary>
    public long PhaseStartedAt => Volatile.Read(ref _phaseStartedAt);

    /// <summary>Bytes sent so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>How many lines (line feeds) the server sent.</summary>
    public int LinesReceived { get; private set; }

    /// <summary>The start of what the server sent, for messages.</summary>
    public string Received
    {
        get { lock (_received) return _received.ToString(); }
    }

    /// <summary>
    /// The latest moment the server may close this connection: its rule's limit from its phase start, and never later than
    /// <c>login_timeout</c> from connect.
    /// </summary>
    public long DeadlineAt()
    {
        var loginDeadline = ConnectedAt + Ticks(SlowClientFloodFixture.LoginTimeout);
        if (PhaseStartedAt == 0) return loginDeadline;
        var limit = kind.Rule == ClosingRule.Timeout ? SlowClientFloodFixture.Timeout : SlowClientFloodFixture.LoginTimeout;
        return Math.Min(PhaseStartedAt + Ticks(limit), loginDeadline);
    }

    public async Task ConnectAsync(int port, CancellationToken cancellationToken)
    {
        _socket.Bind(new IPEndPoint(source, 0));
        await _socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        ConnectedAt = Stopwatch.GetTimestamp();
        if (kind.Opening is null) _phaseStartedAt = ConnectedAt;
        _ = ReceiveUntilClosedAsync();
        Tick(ConnectedAt);
    }

    /// <summary>Sends whatever this kind has due by <paramref name="now"/> and has not sent yet.</summary>
    public void Tick(long now)
    {
        if (Closed || PhaseStartedAt == 0) return;
        var due = Math.Min(_payload.Length, kind.BytesDue(Stopwatch.GetElapsedTime(PhaseStartedAt, now)));
        if (due <= _sent) return;
        // Loopback's send buffer takes these few bytes at once; a refused send means the server has closed already.
        if (_socket.Send(_payload, _sent, due - _sent, SocketFlags.None, out var error) > 0 && error == SocketError.Success)
            Volatile.Write(ref _sent, due);
    }

    private async Task ReceiveUntilClosedAsync()
    {
        var buffer = new byte[512];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                OnReceived(buffer.AsSpan(0, read));
            }
        }
        catch (SocketException)
        {
            // reset by the server: closed too
        }
        catch (ObjectDisposedException)
        {
            return; // the test disposed it: not the server's close
        }
        Volatile.Write(ref _closedAt, Stopwatch.GetTimestamp());
    }

    /// <summary>Keeps the start of what came (for messages) and runs the opening: after the greeting, send it; its reply starts the phase.</summary>
    private void OnReceived(ReadOnlySpan<byte> bytes)
    {
        // Kept light: ten thousand of these run on this process's thread pool, next to the real clients and the auth server.
        LinesReceived += bytes.Count((byte)'\n');
        lock (_received)
        {
            if (_received.Length < 400) _received.Append(Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 400 - _received.Length)]));
        }
        if (kind.Opening is null || PhaseStartedAt != 0) return;
        var text = Received;
        if (!_openingSent && text.Contains("\r\n", StringComparison.Ordinal))
        {
            _openingSent = true;
            _socket.Send(Encoding.ASCII.GetBytes(kind.Opening));
        }
        else if (_openingSent && text.Contains("\r\n" + kind.OpeningReply, StringComparison.Ordinal))
        {
            Volatile.Write(ref _phaseStartedAt, Stopwatch.GetTimestamp());
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public void Dispose() => _socket.Dispose();
}
