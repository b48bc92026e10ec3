using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Tests.Pop3;

/// <summary>The pre-login POP3 parser against nginx's ngx_mail_pop3_parse_command (src/mail/ngx_mail_handler.c and ngx_mail_pop3_handler.c).</summary>
public sealed class Pop3CommandParserTests
{
    [Theory]
    [InlineData("USER alice", "USER", new[] { "alice" })]
    [InlineData("user alice", "USER", new[] { "alice" })]
    [InlineData("uSeR   two words ", "USER", new[] { "two words " })] // spaces inside kept, leading ones skipped
    [InlineData("PASS a  b", "PASS", new[] { "a  b" })]
    [InlineData("APOP alice  0123", "APOP", new[] { "alice", "0123" })]
    [InlineData("AUTH PLAIN AGEAYg==", "AUTH", new[] { "PLAIN", "AGEAYg==" })]
    [InlineData("AUTH", "AUTH", new string[0])]
    [InlineData("CAPA ", "CAPA", new string[0])]
    [InlineData("NOOP a b c", "NOOP", new[] { "a", "b", "c" })]
    [InlineData("quit", "QUIT", new string[0])]
    public void ParsesKnownCommands(string line, string name, string[] arguments)
    {
        var command = Parse(line);
        Assert.NotNull(command);
        Assert.Equal(name, command.Name);
        Assert.Equal(arguments, command.Arguments);
        // The same from one segment per byte, as a pipe may hand it over.
        var segmented = Pop3CommandParser.Parse(Segments.Bytewise(Encoding.UTF8.GetBytes(line)));
        Assert.Equal(name, segmented!.Name);
        Assert.Equal(arguments, segmented.Arguments);
    }

    private static Pop3Command? Parse(string line) => Pop3CommandParser.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("")]
    [InlineData(" NOOP")]
    [InlineData("NOO")]
    [InlineData("NOOPS")]
    [InlineData("N0OP")]
    [InlineData("NOOP\tx")]
    [InlineData("NOOP\rx")]
    [InlineData("NOOP a b c d")] // a fourth argument
    [InlineData("STAT")]
    [InlineData("RETR 1")]
    [InlineData("GET / HTTP/1.1")]
    public void RefusesWhatNginxsParserRefuses(string line) => Assert.Null(Parse(line));
}
