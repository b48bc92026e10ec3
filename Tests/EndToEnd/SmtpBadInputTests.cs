using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// SMTP command lines with a bare CR or a NUL, sent as an attacker would over a raw socket: RFC 5321 §2.3.8 allows CR
/// only as part of the CRLF line end, so such a line is refused with <c>500 5.5.1 Invalid command</c> and nothing of
/// it is acted on or passed on (a bare CR could otherwise hide a second command, a NUL cut one short upstream).
/// </summary>
public sealed class SmtpBadInputTests(SmtpProxyFixture fixture) : IClassFixture<SmtpProxyFixture>
{
    [Theory]
    [InlineData("EHLO client.example\rRCPT TO:<x@example.test>\r\n")]
    [InlineData("EHLO client\0.example\r\n")]
    [InlineData("NOOP\0\r\n")]
    [InlineData("AUTH PLAIN AGFsaWNlAGFsaWNlLXBhc3N3b3Jk\r\r\n")]
    public async Task ALineWithABareCrOrANulIsRefusedWith500(string line)
    {
        await using var c = await SmtpWire.OpenAsync(fixture.Proxy.Port("smtp"));
        await c.ExpectAsync(line, "500 5.5.1 Invalid command");
        // The session goes on: a well-formed command is answered as usual.
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
    }

    [Fact]
    public async Task AMailFromWithABareCrIsNotAcceptedAndNothingReachesTheAuthServer()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await SmtpWire.OpenAsync(fixture.Proxy.Port("none"));
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync("MAIL FROM:<a@example.test>\rRCPT TO:<victim@example.test>\r\n", "500 5.5.1 Invalid command");
        // The MAIL was not taken: RCPT is out of sequence, so no Auth-Method none request was made either.
        await c.ExpectAsync("RCPT TO:<b@example.test>\r\n", "503 5.5.1 Bad sequence of commands");
        await c.ExpectAsync("MAIL FROM:<a@example.test\0x>\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("QUIT\r\n", "221 2.0.0 Bye");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }
}
