using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using OrleansMail.Frontend.Imap;

namespace OrleansMail.Micro;

/// <summary>
/// A <c>LOGIN</c> whose first argument is a large non-synchronising literal (RFC 7888 <c>{n+}</c>, so no
/// <c>+ OK</c> round trip) arriving in 1 KB pieces through a <see cref="Pipe"/>, parsed after each piece the way
/// ImapSession.ReadCommandAsync does. One operation is the whole command, so the time and bytes allocated per
/// operation show how the parser's cost grows with the literal: linear is the goal, re-parsing the buffered
/// command from its start on every read is quadratic. <c>imap_client_buffer</c> is set just above the command.
/// </summary>
[MemoryDiagnoser]
public class ImapLiteralBenchmarks
{
    private const int Piece = 1024;

    [Params(256 * 1024, 1024 * 1024, 4 * 1024 * 1024)]
    public int LiteralSize { get; set; }

    private byte[] _command = [];
    private int _clientBuffer;

    [GlobalSetup]
    public void Setup()
    {
        var head = Encoding.ASCII.GetBytes($"a1 LOGIN {{{LiteralSize}+}}\r\n");
        var tail = " secret\r\n"u8;
        _command = new byte[head.Length + LiteralSize + tail.Length];
        head.CopyTo(_command, 0);
        _command.AsSpan(head.Length, LiteralSize).Fill((byte)'x');
        tail.CopyTo(_command.AsSpan(head.Length + LiteralSize));
        _clientBuffer = _command.Length + Piece;
    }

    [Benchmark]
    public int LoginLiteralIn1KbPieces()
    {
        // No back-pressure: the writer never waits, so the loop runs synchronously.
        var parser = new ImapCommandParser();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        for (var offset = 0; offset < _command.Length; offset += Piece)
        {
            pipe.Writer.Write(_command.AsSpan(offset, Math.Min(Piece, _command.Length - offset)));
            _ = pipe.Writer.FlushAsync().GetAwaiter().GetResult();
            pipe.Reader.TryRead(out var read);
            var buffer = read.Buffer;
            var parsed = parser.Parse(buffer, 0, _clientBuffer);
            if (parsed.Status == ImapParseStatus.Complete) return parsed.Command!.Arguments[0].Value.Length;
            if (parsed.Status != ImapParseStatus.Incomplete) throw new InvalidOperationException(parsed.Status.ToString());
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
        throw new InvalidOperationException("the command never completed");
    }
}
