using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Imap;

namespace OrleansMail.Tests.Imap;

/// <summary>
/// The pre-login IMAP parser, in the style of Kestrel's HttpParserTests: every prefix of a valid command is
/// incomplete and consumes nothing; whole commands parse; malformed ones are invalid and consumed to the line end.
/// </summary>
public sealed class ImapCommandParserTests
{
    private const int Buffer = 4096;

    private static ImapParseResult Parse(string text, int acknowledged = 0, int max = Buffer) =>
        new ImapCommandParser().Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)), acknowledged, max);

    /// <summary>Parses the same bytes split into one-byte segments, to cover the multi-segment path.</summary>
    private static ImapParseResult ParseSegmented(string text, int acknowledged = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new ImapCommandParser().Parse(OrleansMail.Fuzz.Harness.Segments.Bytewise(bytes), acknowledged, Buffer);
    }

    public static TheoryData<string> ValidCommands() => new()
    {
        "a1 CAPABILITY\r\n",
        "a1 noop\r\n",
        "A.b_c-9 LOGOUT\r\n",
        "a1 LOGIN alice secret\r\n",
        "a1 LOGIN \"alice\" \"se cr\\\"et\\\\\"\r\n",
        "a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n",
        "a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
        "a1 ID (\"name\" \"Thunderbird\" \"version\" \"115\")\r\n",
        "a1 ID NIL\r\n",
        "a1 CAPABILITY\n",
    };

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void EveryPrefixOfAValidCommandIsIncompleteAndConsumesNothing(string command)
    {
        for (var length = 0; length < command.Length; length++)
        {
            var prefix = command[..length];
            var result = Parse(prefix, acknowledged: 8);
            Assert.True(result.Status == ImapParseStatus.Incomplete, $"prefix {length} '{prefix}' gave {result.Status}");
            Assert.Equal(0, result.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void AValidCommandIsCompleteAndConsumedExactly(string command)
    {
        var result = Parse(command + "a9 NOOP\r\n");
        Assert.Equal(ImapParseStatus.Complete, result.Status);
        Assert.Equal(Encoding.UTF8.GetByteCount(command), result.Consumed);

        var segmented = ParseSegmented(command);
        Assert.Equal(ImapParseStatus.Complete, segmented.Status);
        Assert.Equal(result.Command!.Name, segmented.Command!.Name);
    }

    [Fact]
    public void LoginArgumentsAreDecodedFromAtomsQuotedStringsAndLiterals()
    {
        var quoted = Parse("t LOGIN \"al\\\\ice\" \"p\\\"w d\"\r\n").Command!;
        Assert.Equal("t", quoted.Tag);
        Assert.Equal("LOGIN", quoted.Name);
        Assert.Equal(["al\\ice", "p\"w d"], quoted.Arguments.Select(a => a.Text));

        var literal = Parse("t login {5+}\r\nj\u00f6rg {4+}\r\np\r\nw\r\n").Command!;
        Assert.Equal(["j\u00f6rg", "p\r\nw"], literal.Arguments.Select(a => a.Text));
        Assert.All(literal.Arguments, a => Assert.Equal(ImapArgumentKind.Literal, a.Kind));

        var atom = Parse("t LOGIN user@example.com pass\r\n").Command!;
        Assert.Equal(["user@example.com", "pass"], atom.Arguments.Select(a => a.Text));
    }

    [Fact]
    public void ASynchronisingLiteralAsksForContinuationOnceThenWaitsForItsData()
    {
        const string header = "a1 LOGIN {5}\r\n";
        Assert.Equal(ImapParseStatus.NeedsContinuation, Parse(header).Status);
        Assert.Equal(ImapParseStatus.Incomplete, Parse(header, acknowledged: 1).Status);
        Assert.Equal(ImapParseStatus.Incomplete, Parse(header + "ali", acknowledged: 1).Status);

        // The second literal needs its own continuation.
        const string both = header + "alice {6}\r\n";
        Assert.Equal(ImapParseStatus.NeedsContinuation, Parse(both, acknowledged: 1).Status);
        var complete = Parse(both + "secret\r\n", acknowledged: 2);
        Assert.Equal(ImapParseStatus.Complete, complete.Status);
        Assert.Equal(["alice", "secret"], complete.Command!.Arguments.Select(a => a.Text));
    }

    [Fact]
    public void IdParameterListIsParsedAsAList()
    {
        var id = Parse("a ID (\"name\" \"MailKit\" \"os\" NIL)\r\n").Command!;
        var list = Assert.Single(id.Arguments);
        Assert.Equal(ImapArgumentKind.List, list.Kind);
        Assert.Equal(["name", "MailKit", "os", "NIL"], list.Items.Select(i => i.Text));
        Assert.True(Parse("a ID NIL\r\n").Command!.Arguments[0].IsNil);
    }

    [Theory]
    [InlineData("\r\n", "*")]
    [InlineData(" NOOP\r\n", "*")]
    [InlineData("a!b NOOP\r\n", "*")]
    [InlineData("abcdefghijabcdefghijabcdefghijabc NOOP\r\n", "*")]
    [InlineData("a1\r\n", "*")]
    [InlineData("a1 \r\n", "a1")]
    [InlineData("a1 NO0P\r\n", "a1")]
    [InlineData("a1 SELECT INBOX\r\n", "a1")]
    [InlineData("a1 XYZZY {5}\r\n", "a1")]
    [InlineData("a1 LOGIN  alice\r\n", "a1")]
    [InlineData("a1 LOGIN \"unterminated\r\n", "a1")]
    [InlineData("a1 LOGIN \"bad\\escape\" x\r\n", "a1")]
    [InlineData("a1 LOGIN {5}x\r\n", "a1")]
    [InlineData("a1 LOGIN {}\r\n", "a1")]
    [InlineData("a1 LOGIN {5+}\r\nalicex pass\r\n", "a1")]
    [InlineData("a1 NOOP\rX\r\n", "a1")]
    [InlineData("a1 ID ((\"nested\"))\r\n", "a1")]
    [InlineData("a1 LOGIN al\u0001ice x\r\n", "a1")]
    public void MalformedLinesAreInvalidAndConsumedToTheLineEnd(string line, string replyTag)
    {
        var result = Parse(line + "a2 NOOP\r\n");
        Assert.Equal(ImapParseStatus.Invalid, result.Status);
        Assert.Equal(replyTag, result.ReplyTag);
        var rest = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(line + "a2 NOOP\r\n")[result.Consumed..]);
        Assert.Equal("a2 NOOP\r\n", rest);
    }

    [Fact]
    public void AnInvalidLineEndingInANonSynchronisingLiteralClosesTheConnection()
    {
        // nginx: otherwise the literal's bytes would be parsed as commands (nginx.org/en/security_advisories.html).
        var result = Parse("a FOO {10+}\r\na2 LOGIN x y\r\n");
        Assert.Equal(ImapParseStatus.Invalid, result.Status);
        Assert.True(result.CloseAfterReply);
        Assert.False(Parse("a FOO {10}\r\n").CloseAfterReply);
    }

    [Theory]
    [InlineData("a1 LOGIN {99999999999999999999}\r\n")]
    [InlineData("a1 LOGIN {4097+}\r\n")]
    public void AHugeLiteralLengthIsTooLongWithoutOverflow(string line)
    {
        Assert.Equal(ImapParseStatus.TooLong, Parse(line).Status);
    }

    [Fact]
    public void ALineThatFillsTheBufferWithoutEndingIsTooLong()
    {
        var line = "a1 LOGIN " + new string('x', 300);
        Assert.Equal(ImapParseStatus.Incomplete, Parse(line, max: 400).Status);
        Assert.Equal(ImapParseStatus.TooLong, Parse(line, max: 256).Status);
        // A complete command exactly at the limit is fine, with more input after it.
        var exact = "a1 LOGIN aa bb\r\n";
        Assert.Equal(ImapParseStatus.Complete, Parse(exact + "a2 NOOP\r\n", max: exact.Length).Status);
    }

    [Fact]
    public void ALiteralWithinTheBufferIsCountedInTheCommandLength()
    {
        var command = "a1 LOGIN {200+}\r\n" + new string('u', 200) + " p\r\n";
        Assert.Equal(ImapParseStatus.Complete, Parse(command).Status);
        Assert.Equal(ImapParseStatus.TooLong, Parse(command, max: 100).Status);
    }

    [Theory]
    [InlineData("a1 LOGIN x y\r\n", "LOGIN")]
    [InlineData("a1 login x y\r\n", "LOGIN")]
    [InlineData("a1 Authenticate PLAIN\r\n", "AUTHENTICATE")]
    [InlineData("a1 id NIL\r\n", "ID")]
    [InlineData("a1 CaPaBiLiTy\r\n", "CAPABILITY")]
    public void CommandNamesAreTheSharedUpperCaseConstants(string line, string name)
    {
        // Upper-cased and interned: the parser hands out its constants instead of a new string per line.
        var parsed = Parse(line).Command!.Name;
        Assert.Equal(name, parsed);
        Assert.Same(string.IsInterned(name), parsed);
    }

    [Theory]
    [InlineData("\"\"", "")]
    [InlineData("\"\\\\\"", "\\")]
    [InlineData("\"\\\"\"", "\"")]
    [InlineData("\"\\\"a\\\\\"", "\"a\\")]
    [InlineData("\"a\\\\\\\"b\"", "a\\\"b")]
    public void QuotedStringsAreUnescapedAtAnyPosition(string quoted, string value)
    {
        var command = Parse($"a1 LOGIN {quoted} x\r\n").Command!;
        Assert.Equal(value, command.Arguments[0].Text);
        Assert.Equal(ImapArgumentKind.Quoted, command.Arguments[0].Kind);
    }

    [Fact]
    public void AtMostSixtyFourArgumentsAndListItems()
    {
        var args = string.Join(' ', Enumerable.Range(0, 64).Select(i => $"x{i}"));
        var many = Parse($"a1 NOOP {args}\r\n").Command!;
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"x{i}"), many.Arguments.Select(a => a.Text));
        Assert.Equal(ImapParseStatus.Invalid, Parse($"a1 NOOP {args} x64\r\n").Status);

        var list = Parse($"a1 ID ({args})\r\n").Command!;
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"x{i}"), Assert.Single(list.Arguments).Items.Select(a => a.Text));
        Assert.Equal(ImapParseStatus.Invalid, Parse($"a1 ID ({args} x64)\r\n").Status);
    }

    [Theory]
    [InlineData("a1 LOGIN")]
    [InlineData("a1 LOGIN alice")]
    [InlineData("a1 LOGIN \"alice")]
    [InlineData("a1 LOGIN {5}\r\nali")]
    public void AnIncompleteCommandAllocatesNothingWhenReadAgain(string text)
    {
        // A read that brings nothing new (or only more of a literal) resumes where the last one stopped: the tag and
        // the arguments are made once, when the command is whole.
        var parser = new ImapCommandParser();
        var input = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        parser.Parse(input, 1, Buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = parser.Parse(input, 1, Buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImapParseStatus.Incomplete, result.Status);
        Assert.Equal(0, allocated);
    }

    public static TheoryData<string, int> Conversations() => new()
    {
        { "a1 CAPABILITY\r\na2 LOGIN alice secret\r\n", 1 },
        { "a1 LOGIN \"al\\\"ice\" \"se cr\\\\et\"\r\na2 NOOP\n", 1 },
        { "a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\n", 1 },
        { "a1 LOGIN {5}\r\nalice {6}\r\nsecret\r\n", 3 },
        { "a1 LOGIN {5+}\r\nali\nc {6+}\r\nse\r\nrt\r\na2 LOGOUT\r\n", 2 },
        { "a1 ID (\"name\" {3+}\r\nabc \"os\" NIL)\r\na2 ID NIL\r\n", 1 },
        { "a1 SELECT {5}\r\na2 NOOP\r\n", 1 },
        { "a FOO {10+}\r\na2 LOGIN x y\r\n", 4 },
        { "a1 LOGIN \"bad\\escape\" x\r\na2 NOOP\r\n", 1 },
        { "a1 LOGIN {5}x\r\na1 LOGIN {}\r\na1 NOOP\rX\r\na1 ID ((\"n\"))\r\n", 1 },
        { "a1 LOGIN " + new string('x', 5000) + "\r\n", 100 },
        { "a1 LOGIN {99999999999999999999}\r\n", 1 },
    };

    [Theory]
    [MemberData(nameof(Conversations))]
    public void OneParserReadingPieceByPieceGivesTheOneShotResults(string conversation, int piece)
    {
        // The session's loop: one parser, a pipe that delivers a few bytes per read, everything examined on Incomplete.
        var bytes = Encoding.UTF8.GetBytes(conversation);
        Assert.Equal(Results(bytes, bytes.Length), Results(bytes, piece));
    }

    /// <summary>What one parser makes of <paramref name="bytes"/> arriving <paramref name="piece"/> bytes at a time.</summary>
    private static List<string> Results(byte[] bytes, int piece)
    {
        var results = new List<string>();
        var pieces = new OrleansMail.Fuzz.Harness.PipedPieces(bytes, piece);
        var parser = new ImapCommandParser();
        var acknowledged = 0;
        while (true)
        {
            if (!pieces.TryRead(out var buffer))
            {
                results.Add("incomplete");
                return results;
            }
            var parsed = parser.Parse(buffer, acknowledged, Buffer);
            if (parsed.Status is ImapParseStatus.Incomplete or ImapParseStatus.NeedsContinuation)
            {
                pieces.ExaminedAll(buffer);
                // When a continuation is asked for depends on the pieces; what the command is does not.
                if (parsed.Status == ImapParseStatus.NeedsContinuation) { acknowledged++; continue; }
                if (!pieces.AllWritten) continue;
                results.Add("incomplete");
                return results;
            }
            var args = parsed.Command is { } command ? string.Join(",", command.Arguments.Select(Describe)) : "";
            results.Add($"{parsed.Status} {parsed.Consumed} {parsed.ReplyTag} {parsed.CloseAfterReply} {parsed.Command?.Name} {args}");
            if (parsed.Status == ImapParseStatus.TooLong) return results;
            pieces.Consumed(buffer, parsed.Consumed);
            acknowledged = 0;
        }
    }

    private static string Describe(ImapArgument argument) =>
        $"{argument.Kind}:{Convert.ToHexString(argument.Value)}({string.Join(",", argument.Items.Select(Describe))})";
}
