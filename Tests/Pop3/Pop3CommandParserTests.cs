using OrleansMail.Frontend.Pop3;

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
        var command = Pop3CommandParser.Parse(line);
        Assert.NotNull(command);
        Assert.Equal(name, command.Name);
        Assert.Equal(arguments, command.Arguments);
    }

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
    public void RefusesWhatNginxsParserRefuses(string line) => Assert.Null(Pop3CommandParser.Parse(line));
}
