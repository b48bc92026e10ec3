using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using OrleansMail.Frontend.Imap;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Micro;

/// <summary>
/// <see cref="ImapCommandParser.Parse"/> (one parser reused, as a session does) on the lines a client sends before login. Each operation parses one whole
/// line from a buffer built once, so "Allocated" is what the parser itself allocates per line.
/// </summary>
[MemoryDiagnoser]
public class ImapParserBenchmarks
{
    private const int ClientBuffer = 4096;

    private ReadOnlySequence<byte> _capability;
    private ReadOnlySequence<byte> _loginAtoms;
    private ReadOnlySequence<byte> _loginQuoted;
    private ReadOnlySequence<byte> _loginLiterals;
    private ReadOnlySequence<byte> _authenticatePlain;
    private ReadOnlySequence<byte> _idList;
    private ReadOnlySequence<byte> _invalid;
    private ReadOnlySequence<byte> _loginSegmented;

    // One parser, as a session has: each benchmarked line is whole, so every call starts a new command.
    private readonly ImapCommandParser _parser = new();

    [GlobalSetup]
    public void Setup()
    {
        _capability = Single("a1 CAPABILITY\r\n");
        _loginAtoms = Single("a2 LOGIN alice@example.com secret\r\n");
        _loginQuoted = Single("a3 LOGIN \"alice@example.com\" \"se cr\\\"et\"\r\n");
        // Synchronising literals, both already acknowledged with "+ OK": the last parse of a literal LOGIN.
        _loginLiterals = Single("a4 LOGIN {17}\r\nalice@example.com {6}\r\nsecret\r\n");
        _authenticatePlain = Single("a5 AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==\r\n");
        _idList = Single("a6 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\" \"os\" \"Linux\")\r\n");
        // A command the pre-login parser does not know: tag kept for the BAD reply, line consumed.
        _invalid = Single("a7 SELECT INBOX\r\n");
        // The worst a socket can deliver: every byte in its own segment, which makes the parser copy first.
        _loginSegmented = Segments.Bytewise(Encoding.ASCII.GetBytes("a8 LOGIN alice@example.com secret\r\n"));
    }

    [Benchmark]
    public int Capability() => Keep(_parser.Parse(_capability, 0, ClientBuffer));

    [Benchmark]
    public int LoginAtoms() => Keep(_parser.Parse(_loginAtoms, 0, ClientBuffer));

    [Benchmark]
    public int LoginQuoted() => Keep(_parser.Parse(_loginQuoted, 0, ClientBuffer));

    [Benchmark]
    public int LoginLiterals() => Keep(_parser.Parse(_loginLiterals, 2, ClientBuffer));

    [Benchmark]
    public int AuthenticatePlain() => Keep(_parser.Parse(_authenticatePlain, 0, ClientBuffer));

    [Benchmark]
    public int IdList() => Keep(_parser.Parse(_idList, 0, ClientBuffer));

    [Benchmark]
    public int InvalidCommand() => Keep(_parser.Parse(_invalid, 0, ClientBuffer));

    [Benchmark]
    public int LoginOneByteSegments() => Keep(_parser.Parse(_loginSegmented, 0, ClientBuffer));

    // ImapParseResult is internal and a struct: returning it boxed would count a box the parser never makes.
    // Keeping it in a field keeps everything it references alive, so nothing can be optimised away.
    private ImapParseResult _last;

    private int Keep(ImapParseResult result)
    {
        _last = result;
        return _last.Consumed;
    }

    private static ReadOnlySequence<byte> Single(string line) => new(Encoding.ASCII.GetBytes(line));
}
