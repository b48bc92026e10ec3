using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Tls;

/// <summary>
/// Raw STARTTLS/STLS transcripts on all three protocols: advertised capabilities before and after TLS, starttls only
/// refusals in nginx's words, and CVE-2014-3556 (plaintext pipelined after STARTTLS is thrown away).
/// </summary>
public sealed class StarttlsTranscriptTests(TlsProxyFixture fixture) : IClassFixture<TlsProxyFixture>
{
    private async Task<LineClient> ConnectAsync(string listener)
    {
        var client = await LineClient.ConnectAsync(fixture.Proxy.Port(listener));
        Assert.NotNull(await client.ReadLineAsync());
        return client;
    }

    [Fact]
    public async Task ImapCapabilityShowsStarttlsThenDropsItAfterTls()
    {
        await using var client = await ConnectAsync("imaptls");
        await client.SendAsync("a CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN STARTTLS", "a OK completed"], await client.ReadUntilAsync("a "));
        await client.SendAsync("b STARTTLS\r\n");
        Assert.Equal("b OK completed", await client.ReadLineAsync());
        await client.StartTlsAsync(fixture.Pki);
        await client.SendAsync("c CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN", "c OK completed"], await client.ReadUntilAsync("c "));
        await client.SendAsync("d STARTTLS\r\n");
        Assert.Equal("d BAD invalid command", await client.ReadLineAsync());
    }

    [Fact]
    public async Task ImapStarttlsOnlyRefusesLoginAndAuthenticateBeforeTls()
    {
        await using var client = await ConnectAsync("imaponly");
        await client.SendAsync("a CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS STARTTLS LOGINDISABLED", "a OK completed"], await client.ReadUntilAsync("a "));
        await client.SendAsync("b LOGIN alice alice-password\r\n");
        Assert.Equal("b BAD invalid command", await client.ReadLineAsync());
        await client.SendAsync("c AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXBhc3N3b3Jk\r\n");
        Assert.Equal("c BAD invalid command", await client.ReadLineAsync());
        Assert.DoesNotContain(fixture.Auth.Requests, r => r["Auth-Protocol"] == "imap" && r["Auth-SSL"] is null);
    }

    [Fact]
    public async Task ImapStarttlsWhenOffIsAnInvalidCommand()
    {
        await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imaps"));
        await client.StartTlsAsync(fixture.Pki);
        Assert.Equal("* OK IMAP4 ready", await client.ReadLineAsync());
        await client.SendAsync("a STARTTLS\r\n");
        Assert.Equal("a BAD invalid command", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Pop3CapaShowsStlsAndUnderOnlyHidesUserAndSasl()
    {
        await using var on = await ConnectAsync("pop3tls");
        await on.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", "STLS", "."], await on.ReadUntilAsync("."));

        await using var only = await ConnectAsync("pop3only");
        await only.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "UIDL", "STLS", "."], await only.ReadUntilAsync("."));
        foreach (var command in new[] { "USER alice", "APOP alice 0123456789abcdef0123456789abcdef", "AUTH", "AUTH PLAIN" })
        {
            await only.SendAsync(command + "\r\n");
            Assert.Equal("-ERR invalid command", await only.ReadLineAsync());
        }
        await only.SendAsync("STLS\r\n");
        Assert.Equal("+OK", await only.ReadLineAsync());
        await only.StartTlsAsync(fixture.Pki);
        await only.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", "."], await only.ReadUntilAsync("."));
        await only.SendAsync("STLS\r\n");
        Assert.Equal("-ERR invalid command", await only.ReadLineAsync());
    }

    [Fact]
    public async Task SmtpEhloShowsStarttlsAndUnderOnlyHidesAuthAndRefusesMail()
    {
        await using var on = await ConnectAsync("smtptls");
        await on.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250-AUTH PLAIN LOGIN", "250 STARTTLS"], await on.ReadUntilAsync("250 "));

        await using var only = await ConnectAsync("smtponly");
        await only.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250 STARTTLS"], await only.ReadUntilAsync("250 "));
        await only.SendAsync("AUTH PLAIN AGFsaWNlAGFsaWNlLXBhc3N3b3Jk\r\n");
        Assert.Equal("500 5.5.1 Invalid command", await only.ReadLineAsync());
        await only.SendAsync("MAIL FROM:<a@example.com>\r\n");
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await only.ReadLineAsync());
        await only.SendAsync("RCPT TO:<b@example.test>\r\n");
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await only.ReadLineAsync());
        await only.SendAsync("STARTTLS\r\n");
        Assert.Equal("220 2.0.0 Start TLS", await only.ReadLineAsync());
        await only.StartTlsAsync(fixture.Pki);
        await only.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250 AUTH PLAIN LOGIN"], await only.ReadUntilAsync("250 "));
        await only.SendAsync("STARTTLS\r\n");
        Assert.Equal("500 5.5.1 Invalid command", await only.ReadLineAsync());
    }

    /// <summary>
    /// CVE-2014-3556: <c>STARTTLS\r\nNOOP\r\n</c> in one segment. The NOOP must not be answered in plaintext nor
    /// run after the handshake: the first reply under TLS answers the client's first encrypted command.
    /// </summary>
    [Theory]
    [InlineData("imaptls", "a STARTTLS\r\nb NOOP\r\n", "a OK completed", "c NOOP\r\n", "c OK completed")]
    [InlineData("pop3tls", "STLS\r\nNOOP\r\n", "+OK", "QUIT\r\n", "+OK")]
    [InlineData("smtptls", "STARTTLS\r\nNOOP\r\n", "220 2.0.0 Start TLS", "QUIT\r\n", "221 2.0.0 Bye")]
    public async Task PlaintextPipelinedAfterStarttlsIsDiscarded(string listener, string segment, string accepted, string next, string nextReply)
    {
        await using var client = await ConnectAsync(listener);
        await client.SendAsync(segment);
        Assert.Equal(accepted, await client.ReadLineAsync());
        await client.StartTlsAsync(fixture.Pki);
        await client.SendAsync(next);
        Assert.Equal(nextReply, await client.ReadLineAsync());
        Assert.Contains(fixture.Proxy.Logs.Lines, l => l.Contains("pipelined after STARTTLS (CVE-2014-3556)"));
    }

    [Fact]
    public async Task SmtpForgetsHeloAndMailAfterStarttls()
    {
        await using var client = await ConnectAsync("smtpnone");
        await client.SendAsync("EHLO before.example\r\n");
        await client.ReadUntilAsync("250 ");
        await client.SendAsync("MAIL FROM:<a@example.com>\r\n");
        Assert.Equal("250 2.0.0 OK", await client.ReadLineAsync());
        await client.SendAsync("STARTTLS\r\n");
        Assert.Equal("220 2.0.0 Start TLS", await client.ReadLineAsync());
        await client.StartTlsAsync(fixture.Pki);
        // RFC 3207 §4.2: the session starts over, so the plaintext MAIL is gone and RCPT is out of sequence.
        await client.SendAsync("RCPT TO:<b@example.test>\r\n");
        Assert.Equal("503 5.5.1 Bad sequence of commands", await client.ReadLineAsync());
    }
}
