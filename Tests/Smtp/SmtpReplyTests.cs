using System.IO.Pipelines;
using System.Text;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Smtp;

namespace OrleansMail.Tests.Smtp;

/// <summary>Reading upstream replies (RFC 5321 §4.2.1, multi-line) and the proxy's own EHLO reply (src/mail/ngx_mail_smtp_handler.c).</summary>
public sealed class SmtpReplyTests
{
    private static async Task<SmtpReply> ReadAsync(string text, int max = 4096)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(text), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        return await SmtpReply.ReadAsync(pipe.Reader, max, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("220 ready\r\n", 220, 1)]
    [InlineData("250-a\r\n250-b\r\n250 c\r\n", 250, 3)]
    [InlineData("250-a\n250 c\n", 250, 2)]
    [InlineData("354\r\n", 354, 1)]
    public async Task WholeRepliesHaveTheirCode(string text, int code, int lines)
    {
        var reply = await ReadAsync(text);
        Assert.Equal(code, reply.Code);
        Assert.Equal(lines, reply.Lines.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("250-a\r\n")]          // cut short
    [InlineData("250-a\r\n251 b\r\n")] // codes differ
    [InlineData("25\r\n")]
    [InlineData("abc ready\r\n")]
    [InlineData("250+a\r\n")]
    public async Task BrokenRepliesHaveNoCode(string text) => Assert.Equal(0, (await ReadAsync(text)).Code);

    [Fact]
    public async Task AReplyLongerThanProxyBufferIsBroken()
    {
        var lines = string.Concat(Enumerable.Repeat("250-" + new string('x', 60) + "\r\n", 10)) + "250 end\r\n";
        Assert.Equal(250, (await ReadAsync(lines, 4096)).Code);
        Assert.Equal(0, (await ReadAsync(lines, 256)).Code);
    }

    private static SmtpSettings Settings(SaslMechanisms auth, params string[] capabilities) =>
        new(auth, false, capabilities, 4096, TimeSpan.Zero, true, false, [], TimeSpan.FromSeconds(30));

    [Fact]
    public void TheEhloReplyListsCapabilitiesThenTheEnabledMechanisms()
    {
        Assert.Equal("250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n", SmtpEhloReply.Build("mail.example", Settings(SaslMechanisms.Plain | SaslMechanisms.Login)));
        Assert.Equal("250-mail.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL\r\n",
            SmtpEhloReply.Build("mail.example", Settings(SaslMechanisms.Plain | SaslMechanisms.Login | SaslMechanisms.CramMd5 | SaslMechanisms.External, "PIPELINING", "SIZE 1000")));
        Assert.Equal("250-mail.example\r\n250 8BITMIME\r\n", SmtpEhloReply.Build("mail.example", Settings(SaslMechanisms.None, "8BITMIME")));
        Assert.Equal("250 mail.example\r\n", SmtpEhloReply.Build("mail.example", Settings(SaslMechanisms.None)));
    }
}
