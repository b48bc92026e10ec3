using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.SmtpWire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Byte-exact transcripts of the SMTP pre-login paths (src/mail/ngx_mail_handler.c, ngx_mail_smtp_handler.c and ngx_mail_{imap,pop3,smtp}_module.c) against the real proxy, a real
/// HTTP auth server and a real Postfix behind it.
/// </summary>
/// <remarks>A test that needs another auth answer sets it for its own login only (<see cref="ProxyStack.AnswerFor"/>).</remarks>
public sealed class SmtpTranscriptTests(SmtpProxyFixture fixture) : IClassFixture<SmtpProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "smtp") => SmtpWire.OpenAsync(fixture.Proxy.Port(listener));

    [Fact]
    public async Task HeloEhloNoopRsetAndQuitAnswerAsNginx()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("HELO client.example\r\n", "250 proxy.test");
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        // Command names are case-insensitive, and a bare LF ends a line (src/mail/ngx_mail_handler.c).
        await c.ExpectAsync("ehlo client.example\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("RSET\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("QUIT\r\n", "221 2.0.0 Bye");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task EhloListsTheCapabilitiesAndEnabledMechanismsPerListener()
    {
        await using (var c = await OpenAsync("mechs"))
            await c.ExpectAsync("EHLO x\r\n", "250-proxy.test", "250-PIPELINING", "250-SIZE 10240000", "250-8BITMIME",
                "250 AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL");
        // smtp_auth none only: no mechanism, so no AUTH line; the last line uses "250 ".
        await using (var c = await OpenAsync("onlynone"))
            await c.ExpectAsync("EHLO x\r\n", "250 proxy.test");
    }

    [Theory]
    [InlineData("HELO\r\n")]
    [InlineData("HELO a b\r\n")]
    [InlineData("EHLO\r\n")]
    [InlineData("EHLO a b\r\n")]
    [InlineData("AUTH\r\n")]
    public async Task AWrongArgumentCountIsAnInvalidArgumentNotCounted(string line)
    {
        await using var c = await OpenAsync("strict");
        // max_errors 2 on strict: three handler rejections do not close the connection.
        for (var i = 0; i < 3; i++) await c.ExpectAsync(line, "501 5.5.4 Invalid argument");
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
    }

    [Fact]
    public async Task PipelinedCommandsAreAnsweredInOrder()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("NOOP\r\nHELO a\r\nFOO\r\nEHLO b\r\nMAIL FROM:<a@b>\r\nRSET\r\n",
            "250 2.0.0 OK", "250 proxy.test", "500 5.5.1 Invalid command", "250-proxy.test", "250 AUTH PLAIN LOGIN",
            "530 5.7.1 Authentication required", "250 2.0.0 OK");
    }

    [Fact]
    public async Task AClientThatTalksBeforeTheDelayedGreetingIsRefusedAndClosed()
    {
        var transcript = await RawExchangeAsync(fixture.Proxy.Port("delay"), "EHLO eager\r\n");
        Assert.Equal("503 5.5.0 Improper use of SMTP command pipelining\r\n", transcript);

        // A patient client gets the greeting after the delay.
        var clock = Stopwatch.StartNew();
        await using var c = await OpenAsync("delay");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"greeted after {clock.Elapsed}");
        await c.ExpectAsync("HELO patient\r\n", "250 proxy.test");
    }

    [Fact]
    public async Task VrfyExpnAndHelpAreInvalidButNotCounted()
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("VRFY alice\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("EXPN list\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("HELP\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
    }

    [Theory]
    [InlineData("DATA\r\n", "BDAT 10 LAST\r\n")]
    [InlineData("XCLIENT ADDR=1.2.3.4\r\n", "FOO\r\n")]
    [InlineData("STARTTLS\r\n", "MAIL1 FROM:<a@b>\r\n")]
    [InlineData("\r\n", "N0OP\r\n")]
    public async Task UnknownCommandsAreCountedByMaxErrors(string first, string second)
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync(first, "500 5.5.1 Invalid command");
        // The second error is still answered, then the connection closes (max_errors 2).
        await c.ExpectAsync(second, "500 5.5.1 Invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task ALineLongerThanTheClientBufferIsAnInvalidCommandAndAClose()
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("HELO " + new string('a', 300) + "\r\n", "500 5.5.1 Invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task MailAndRcptNeedAuthenticationWithoutSmtpAuthNone()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("MAIL FROM:<a@b.example>\r\n", "530 5.7.1 Authentication required");
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "503 5.5.1 Bad sequence of commands");
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
    }

    [Fact]
    public async Task UnderSmtpAuthNoneMailIsStoredOnceAndRcptNeedsIt()
    {
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "503 5.5.1 Bad sequence of commands");
        await c.ExpectAsync("MAIL\r\n", "501 5.5.4 Invalid argument");
        await c.ExpectAsync("MAIL FROM:<a@b.example>\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("MAIL FROM:<c@d.example>\r\n", "503 5.5.1 Bad sequence of commands");
        await c.ExpectAsync("RCPT\r\n", "501 5.5.4 Invalid argument");
        // RSET and a new HELO/EHLO forget MAIL.
        await c.ExpectAsync("RSET\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "503 5.5.1 Bad sequence of commands");
        await c.ExpectAsync("MAIL FROM:<a@b.example>\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("HELO again\r\n", "250 proxy.test");
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "503 5.5.1 Bad sequence of commands");
    }

    [Fact]
    public async Task SmtpAuthNoneSendsTheEnvelopeToTheAuthServerAndDeliversThroughPostfix()
    {
        var before = fixture.Auth.RequestCount;
        var (id, body) = NewMessage();
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("EHLO sender.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync("MAIL FROM:<sender@sender.example> BODY=8BITMIME\r\n", "250 2.0.0 OK");
        // Postfix's own RCPT reply reaches the client.
        await c.ExpectAsync("RCPT TO:<bob@example.test>\r\n", "250 2.1.5 Ok");
        await SendMessageAsync(c, "", "", id, body, mailAndRcptDone: true);

        var request = fixture.Auth.Requests.Skip(before).Single();
        AssertUnauthenticated(request, "sender.example", "MAIL FROM:<sender@sender.example> BODY=8BITMIME", "RCPT TO:<bob@example.test>");

        var message = await fixture.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal));
        Assert.Equal(WithLf(body), BodyOf(message));
        Assert.Contains("Return-Path: <sender@sender.example>", message);
        // XCLIENT gave Postfix the client's HELO name, host placeholder and address.
        Assert.Contains("Received: from sender.example (unknown [127.0.0.1])", message);
    }

    [Fact]
    public async Task AuthPlainAndLoginAnswer334AndSucceedWith235()
    {
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("AUTH PLAIN\r\n", "334 ");
            await c.ExpectAsync(B64("\0alice\0alice-password") + "\r\n", "235 2.0.0 OK");
        }
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6");
            await c.ExpectAsync(B64("bob") + "\r\n", "334 UGFzc3dvcmQ6");
            await c.ExpectAsync(B64("bob-password") + "\r\n", "235 2.0.0 OK");
        }
        // AUTH before EHLO is allowed; LOGIN with the user as initial response.
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"AUTH LOGIN {B64("alice")}\r\n", "334 UGFzc3dvcmQ6");
            await c.ExpectAsync(B64("alice-password") + "\r\n", "235 2.0.0 OK");
            await c.ExpectAsync("NOOP\r\n", "250 2.0.0 Ok");
        }
    }

    [Fact]
    public async Task CommandsPipelinedAfterAuthReachPostfixInOrder()
    {
        var (id, body) = NewMessage();
        await using var c = await OpenAsync();
        // One write: AUTH with its initial response and the whole envelope; nothing after AUTH is read by the proxy.
        await c.ExpectAsync($"EHLO client.example\r\nAUTH PLAIN {B64("\0alice\0alice-password")}\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n",
            "250-proxy.test", "250 AUTH PLAIN LOGIN", "235 2.0.0 OK", "250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>");
        await c.SendAsync($"Subject: {id}\r\n\r\n{body}.\r\nQUIT\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await c.ReadLineAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("221 2.0.0 Bye", await c.ReadLineAsync());
        await c.AssertClosedAsync();
        Assert.Equal(WithLf(body.Replace("\r\n..", "\r\n.", StringComparison.Ordinal)),
            BodyOf(await fixture.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task ExternalSendsTheIdentityWithAnEmptyPassword()
    {
        var before = fixture.Auth.RequestCount;
        Func<RecordedAuthRequest, AuthReply> toPostfix = _ => AuthReply.Ok(fixture.Postfix.Host, fixture.Postfix.Port);
        using var alice = fixture.Stack.AnswerFor("alice", toPostfix);
        using var noIdentity = fixture.Stack.AnswerFor(ProxyStack.EmptyLogin, toPostfix);
        await using (var c = await OpenAsync("mechs"))
            await c.ExpectAsync($"AUTH EXTERNAL {B64("alice")}\r\n", "235 2.0.0 OK");
        await using (var c = await OpenAsync("mechs"))
        {
            await c.ExpectAsync("AUTH EXTERNAL\r\n", "334 VXNlcm5hbWU6");
            await c.ExpectAsync("=\r\n", "235 2.0.0 OK");
        }
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.All(requests, r => Assert.Equal("external", r["Auth-Method"]));
        Assert.Equal(["alice", ""], requests.Select(r => r["Auth-User"]!));
        Assert.All(requests, r => Assert.Equal("", r["Auth-Pass"]));
    }

    [Theory]
    [InlineData("AUTH CRAM-MD5\r\n")]
    [InlineData("AUTH EXTERNAL\r\n")]
    [InlineData("AUTH DIGEST-MD5\r\n")]
    [InlineData("AUTH XOAUTH2 dGVzdA==\r\n")]
    public async Task MechanismsNotEnabledAreInvalidButNotCounted(string line)
    {
        await using var c = await OpenAsync("strict");
        for (var i = 0; i < 3; i++) await c.ExpectAsync(line, "500 5.5.1 Invalid command");
        await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
    }

    [Fact]
    public async Task ARefusedLoginUsesAuthErrorCodeOrTheDefaultAndCloses()
    {
        using (fixture.Stack.AnswerFor("alice", _ => AuthReply.Fail("Try again later", errorCode: "454 4.7.0")))
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0x")}\r\n", "454 4.7.0 Try again later");
            await c.AssertClosedAsync();
        }
        // Without an answer of its own, alice gets the fixture's default answer again.
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"AUTH PLAIN {B64("\0alice\0wrong")}\r\n", "535 5.7.0 Invalid login or password");
            await c.AssertClosedAsync();
        }
    }

    [Fact]
    public async Task ARefusedRcptWithAuthWaitKeepsMailAndAllowsAnotherRcpt()
    {
        var refused = 0;
        // smtp_auth none: the requests carry no login.
        using var answer = fixture.Stack.AnswerFor(ProxyStack.EmptyLogin, request => Interlocked.Increment(ref refused) == 1
            ? AuthReply.Fail("Not now", waitSeconds: 1, errorCode: "451 4.7.1")
            : fixture.DefaultHandler(request));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("HELO sender.example\r\n", "250 proxy.test");
        await c.ExpectAsync("MAIL FROM:<sender@sender.example>\r\n", "250 2.0.0 OK");
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "451 4.7.1 Not now");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"refused after {clock.Elapsed}");
        await c.ExpectAsync("RCPT TO:<bob@example.test>\r\n", "250 2.1.5 Ok");
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(["1", "2"], requests.Select(r => r["Auth-Login-Attempt"]!));
        Assert.All(requests, r => Assert.Equal("MAIL FROM:<sender@sender.example>", r["Auth-SMTP-From"]));
        Assert.Equal("RCPT TO:<bob@example.test>", requests[1]["Auth-SMTP-To"]);
    }

    [Fact]
    public async Task CramMd5ChallengeIsTheSaltAndTheAuthServerGetsTheDigest()
    {
        using var answer = fixture.Stack.AnswerFor("alice", CramMd5Handler());
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync("mechs");
        var (salt, digest) = await CramMd5Async(c, "alice", "alice-password");
        Assert.Equal("235 2.0.0 OK", await c.ReadLineAsync());
        var request = fixture.Auth.Requests.Skip(before).Single();
        Assert.Equal("cram-md5", request["Auth-Method"]);
        Assert.Equal(digest, request["Auth-Pass"]);
        Assert.Equal(salt, request["Auth-Salt"]);
        Assert.Matches("^<[0-9]+\\.[0-9]+@proxy\\.test>$", salt);
    }

    /// <summary>CVE-2026-27651: a failed CRAM-MD5 refused with Auth-Wait, then a retry that succeeds and delivers mail.</summary>
    [Fact]
    public async Task AFailedCramMd5WithAuthWaitThenASuccessfulRetry()
    {
        var cram = CramMd5Handler();
        using var answer = fixture.Stack.AnswerFor("alice", request => request["Auth-Login-Attempt"] == "1" ? AuthReply.Fail("Bad digest", waitSeconds: 1) : cram(request));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync("mechs");
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250-PIPELINING", "250-SIZE 10240000", "250-8BITMIME",
            "250 AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL");
        await CramMd5Async(c, "alice", "wrong-password");
        Assert.Equal("535 5.7.0 Bad digest", await c.ReadLineAsync(TimeSpan.FromSeconds(10)));
        var (salt, _) = await CramMd5Async(c, "alice", "alice-password");
        Assert.Equal("235 2.0.0 OK", await c.ReadLineAsync());
        var (id, body) = NewMessage();
        await SendMessageAsync(c, "alice@example.test", "bob@example.test", id, body);
        Assert.Equal(WithLf(body), BodyOf(await fixture.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal))));

        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(2, requests.Count);
        // A fresh challenge for the retry, and the retry carries its own digest, not the first one's.
        Assert.NotEqual(requests[0]["Auth-Salt"], requests[1]["Auth-Salt"]);
        Assert.Equal(salt, requests[1]["Auth-Salt"]);
        Assert.NotEqual(requests[0]["Auth-Pass"], requests[1]["Auth-Pass"]);
    }

    /// <summary>
    /// CVE-2025-53859: malformed AUTH PLAIN (missing NUL, bad base64) and AUTH LOGIN, then MAIL/RCPT under smtp_auth
    /// none: the auth server must see empty Auth-User and Auth-Pass, nothing left over from the failed AUTH.
    /// </summary>
    [Fact]
    public async Task FailedAuthBeforeMailAndRcptLeaksNoCredentialsIntoTheNoneRequest()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("EHLO sender.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
        await c.ExpectAsync($"AUTH PLAIN {B64("alice\0alice-password")}\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("AUTH PLAIN\r\n", "334 ");
        await c.ExpectAsync("!!!!bad base64\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync($"AUTH LOGIN {B64("mallory")}\r\n", "334 UGFzc3dvcmQ6");
        await c.ExpectAsync("not*base64\r\n", "500 5.5.1 Invalid command");
        await c.ExpectAsync("MAIL FROM:<sender@sender.example>\r\n", "250 2.0.0 OK");
        await c.ExpectAsync("RCPT TO:<alice@example.test>\r\n", "250 2.1.5 Ok");
        var (id, body) = NewMessage();
        await SendMessageAsync(c, "", "", id, body, mailAndRcptDone: true);

        var request = fixture.Auth.Requests.Skip(before).Single();
        AssertUnauthenticated(request, "sender.example", "MAIL FROM:<sender@sender.example>", "RCPT TO:<alice@example.test>");
        Assert.Equal(WithLf(body), BodyOf(await fixture.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal))));
    }

    [Fact]
    public async Task AnUpstreamThatRefusesRcptHasItsReplyRelayed()
    {
        await using var c = await OpenAsync("none");
        await c.ExpectAsync("MAIL FROM:<sender@sender.example>\r\n", "250 2.0.0 OK");
        // Postfix refuses this recipient: its 550 reaches the client as is (nginx relays any RCPT reply).
        await c.SendAsync($"RCPT TO:<{PostfixServer.RefusedRecipient}>\r\n");
        Assert.Equal($"550 5.1.1 <{PostfixServer.RefusedRecipient}>: Recipient address rejected: No such user here", await c.ReadLineAsync());
    }

    private Func<RecordedAuthRequest, AuthReply> CramMd5Handler() => request =>
    {
        var user = request.Decoded("Auth-User")!;
        if (!SmtpProxyFixture.Users.TryGetValue(user, out var password)) return AuthReply.Fail("unknown user");
        var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes(request["Auth-Salt"]!)));
        return request["Auth-Pass"] == digest
            ? AuthReply.Ok(fixture.Postfix.Host, fixture.Postfix.Port, pass: password)
            : AuthReply.Fail("bad digest");
    };

    /// <summary>Runs AUTH CRAM-MD5 up to the answer; the caller reads the result.</summary>
    private static async Task<(string Salt, string Digest)> CramMd5Async(LineClient c, string user, string password)
    {
        await c.SendAsync("AUTH CRAM-MD5\r\n");
        var challenge = await c.ReadLineAsync();
        Assert.StartsWith("334 ", challenge);
        var salt = Encoding.ASCII.GetString(Convert.FromBase64String(challenge![4..]));
        var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes(salt)));
        await c.SendAsync(B64(user + " " + digest) + "\r\n");
        return (salt, digest);
    }

    /// <summary>Sends <paramref name="send"/> at once, before any greeting, and returns everything until the close.</summary>
    private static async Task<string> RawExchangeAsync(int port, string send)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync("127.0.0.1", port, deadline.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(send), deadline.Token);
        var received = new MemoryStream();
        await stream.CopyToAsync(received, deadline.Token);
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
