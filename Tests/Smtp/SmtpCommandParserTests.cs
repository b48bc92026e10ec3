using System.Buffers;
using System.Text;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Fuzz.Harness;

namespace OrleansMail.Tests.Smtp;

/// <summary>The SMTP command-line splitter (src/mail/ngx_mail_handler.c): letters-only names, space-separated arguments.</summary>
public sealed class SmtpCommandParserTests
{
    [Theory]
    [InlineData("EHLO client.example", "EHLO", new[] { "client.example" })]
    [InlineData("ehlo client.example", "EHLO", new[] { "client.example" })]
    [InlineData("MAIL FROM:<a@b.example> SIZE=10", "MAIL", new[] { "FROM:<a@b.example>", "SIZE=10" })]
    [InlineData("AUTH  PLAIN   AGFsaWNl", "AUTH", new[] { "PLAIN", "AGFsaWNl" })]
    [InlineData("NOOP", "NOOP", new string[0])]
    [InlineData("QUIT ", "QUIT", new string[0])]
    [InlineData("StartTls", "STARTTLS", new string[0])]
    public void ValidLinesSplitIntoNameAndArguments(string line, string name, string[] arguments)
    {
        var command = Parse(line);
        Assert.NotNull(command);
        Assert.Equal(name, command.Name);
        Assert.Equal(arguments, command.Arguments);
        // Only MAIL and RCPT are replayed upstream as sent; no other line becomes a string.
        Assert.Equal(name is "MAIL" or "RCPT" ? line : null, command.Line);
        // The same from one segment per byte, as a pipe may hand it over.
        var segmented = SmtpCommandParser.Parse(Segments.Bytewise(Encoding.UTF8.GetBytes(line)));
        Assert.Equal((command.Name, command.Line), (segmented!.Name, segmented.Line));
        Assert.Equal(arguments, segmented.Arguments);
    }

    private static SmtpCommand? Parse(string line) => SmtpCommandParser.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("")]
    [InlineData(" NOOP")]
    [InlineData("N0OP")]
    [InlineData("NOOP\tx")]
    [InlineData("MAIL:FROM")]
    [InlineData("\u00c4HLO x")]
    [InlineData("RCPT 1 2 3 4 5 6 7 8 9 10 11")]
    [InlineData("MAIL FROM:<a@b.example>\rRCPT TO:<c@d.example>")] // a bare CR (RFC 5321 §2.3.8)
    [InlineData("EHLO client\0.example")]
    [InlineData("NOOP\r")]
    public void MalformedLinesAreInvalid(string line) => Assert.Null(Parse(line));

    [Fact]
    public void TenArgumentsAreTheMost() =>
        Assert.Equal(10, Parse("RCPT 1 2 3 4 5 6 7 8 9 10")!.Arguments.Count);
}
