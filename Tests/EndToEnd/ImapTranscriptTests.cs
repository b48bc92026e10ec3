using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Byte-exact transcripts of every pre-login path (src/mail/ngx_mail_handler.c, ngx_mail_imap_handler.c and ngx_mail_{imap,pop3,smtp}_module.c) against the real proxy, a real
/// HTTP auth server and a real Dovecot behind it.
/// </summary>
public sealed partial class ImapTranscriptTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "imap") => ImapWire.OpenAsync(fixture.Proxy.Port(listener));

    [Fact]
    public async Task CapabilityNoopAndLogoutAnswerAsNginx()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("a CAPABILITY\r\n", "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN", "a OK completed");
        await c.ExpectAsync("b noop\r\n", "b OK completed");
        // Bare LF ends a line too (src/mail/ngx_mail_handler.c).
        await c.ExpectAsync("c NOOP\n", "c OK completed");
        await c.ExpectAsync("d LOGOUT\r\n", "* BYE", "d OK completed");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task CapabilityListsTheEnabledMechanismsPerListener()
    {
        await using (var c = await OpenAsync("mechs"))
            await c.ExpectAsync("a CAPABILITY\r\n",
                "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=EXTERNAL", "a OK completed");
        await using (var c = await OpenAsync("strict"))
            await c.ExpectAsync("a CAPABILITY\r\n", "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN", "a OK completed");
    }

    [Fact]
    public async Task IdIsAnsweredWithNil()
    {
        // Deliberate difference: nginx's parser does not know ID and answers "tag BAD invalid command"; we answer
        // RFC 2971's "* ID NIL" because clients (Thunderbird, Apple Mail) send ID before login.
        await using var c = await OpenAsync();
        await c.ExpectAsync("a ID NIL\r\n", "* ID NIL", "a OK completed");
        await c.ExpectAsync("b ID (\"name\" \"Thunderbird\" \"version\" {3}\r\n", "+ OK");
        await c.ExpectAsync("115)\r\n", "* ID NIL", "b OK completed");
        // An odd-length list or a bare atom is a wrong argument, answered BAD.
        await c.ExpectAsync("c ID (\"name\")\r\n", "c BAD invalid command");
        await c.ExpectAsync("d ID foo\r\n", "d BAD invalid command");
        await c.ExpectAsync("e NOOP\r\n", "e OK completed");
    }

    [Theory]
    [InlineData("a*b NOOP\r\n")]
    [InlineData("a+b NOOP\r\n")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456 NOOP\r\n")] // 33 characters
    [InlineData("NOOP\r\n")]
    [InlineData(" NOOP\r\n")]
    [InlineData("\r\n")]
    public async Task AnInvalidTagIsAnsweredWithAnUntaggedBad(string line)
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync(line, "* BAD invalid command");
        // The longest valid tag, from nginx's alphabet, still works.
        var longest = "aZ0._-" + new string('a', 26);
        Assert.Equal(32, longest.Length);
        await c.ExpectAsync($"{longest} NOOP\r\n", $"{longest} OK completed");
    }

    [Fact]
    public async Task PipelinedCommandsInOneWriteAreAnsweredInOrder()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("a NOOP\r\nb CAPABILITY\r\nc FOO\r\nd NOOP\r\n",
            "a OK completed", "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN", "b OK completed",
            "c BAD invalid command", "d OK completed");
    }

    [Fact]
    public async Task LoginWithSynchronisingLiteralsGetsAContinuationForEach()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("a LOGIN {5}\r\n", "+ OK");
        await c.ExpectAsync("alice {14}\r\n", "+ OK");
        await c.SendAsync("alice-password\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
        await c.SendAsync("b LOGOUT\r\n");
        Assert.StartsWith("b OK", (await c.ReadUntilAsync("b "))[^1]);
    }

    [Fact]
    public async Task LoginWithNonSynchronisingLiteralsNeedsNoContinuation()
    {
        await using var c = await OpenAsync();
        await c.SendAsync("a LOGIN {5+}\r\nalice {14+}\r\nalice-password\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
    }

    [Fact]
    public async Task QuotedStringsHonourEscapes()
    {
        await using (var c = await OpenAsync())
        {
            await c.SendAsync("a LOGIN \"j\u00f6rg@example.com\" \"p\u00e4ss w\\\"rd\"\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }

        await using (var c = await OpenAsync())
        {
            var before = fixture.Auth.RequestCount;
            await c.ExpectAsync("a LOGIN \"bob\" \"x\\\\y\\\"z\"\r\n", "a NO Invalid login or password");
            await c.AssertClosedAsync();
            Assert.Equal("x\\y\"z", fixture.Auth.Requests.Skip(before).Single().Decoded("Auth-Pass"));
        }
    }

    [Fact]
    public async Task CommandsPipelinedAfterASuccessfulLoginReachDovecot()
    {
        await using var c = await OpenAsync();
        await c.SendAsync("a LOGIN alice alice-password\r\nb SELECT INBOX\r\nc LOGOUT\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
        var select = await c.ReadUntilAsync("b ");
        Assert.Contains(select, l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
        Assert.Matches("^b OK \\[READ-WRITE\\] Select completed", select[^1]);
        var logout = await c.ReadUntilAsync("c ");
        Assert.StartsWith("c OK", logout[^1]);
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task AuthenticatePlainWithAndWithoutInitialResponse()
    {
        var response = B64("\0bob\0bob-password");
        await using (var c = await OpenAsync())
        {
            await c.SendAsync($"a AUTHENTICATE PLAIN {response}\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }

        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("a AUTHENTICATE plain\r\n", "+ ");
            await c.SendAsync(response + "\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }

        // authzid is ignored (nginx): the login is authcid.
        await using (var c = await OpenAsync())
        {
            var before = fixture.Auth.RequestCount;
            await c.SendAsync($"a AUTHENTICATE PLAIN {B64("admin\0bob\0bob-password")}\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
            Assert.Equal("bob", fixture.Auth.Requests.Skip(before).Single()["Auth-User"]);
        }
    }

    [Fact]
    public async Task AuthenticateLoginPromptsForUserAndPassword()
    {
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("a AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6");
            await c.ExpectAsync(B64("alice") + "\r\n", "+ UGFzc3dvcmQ6");
            await c.SendAsync(B64("alice-password") + "\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }

        // Microsoft style: the user name as initial response.
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"a AUTHENTICATE LOGIN {B64("alice")}\r\n", "+ UGFzc3dvcmQ6");
            await c.SendAsync(B64("alice-password") + "\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }
    }

    [Fact]
    public async Task CramMd5SendsTheChallengeAndDigestToTheAuthServerWhichReturnsThePassword()
    {
        var passwords = fixture.Dovecot.Users;
        using var answer = fixture.Stack.AnswerFor("alice", request =>
        {
            var user = request.Decoded("Auth-User")!;
            if (!passwords.TryGetValue(user, out var password)) return AuthReply.Fail("unknown user");
            var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes(request["Auth-Salt"]!)));
            return request["Auth-Pass"] == digest
                ? AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort, pass: password)
                : AuthReply.Fail("bad digest");
        });
        await using var c = await OpenAsync("mechs");
        var before = fixture.Auth.RequestCount;
        await c.SendAsync("a AUTHENTICATE CRAM-MD5\r\n");
        var challenge = await c.ReadLineAsync();
        Assert.StartsWith("+ ", challenge);
        var salt = Encoding.ASCII.GetString(Convert.FromBase64String(challenge![2..]));
        Assert.Matches(SaltPattern(), salt);
        var digest = Convert.ToHexStringLower(HMACMD5.HashData("alice-password"u8, Encoding.ASCII.GetBytes(salt)));
        await c.SendAsync(B64("alice " + digest) + "\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());

        var request = fixture.Auth.Requests.Skip(before).Single();
        Assert.Equal("cram-md5", request["Auth-Method"]);
        Assert.Equal("alice", request["Auth-User"]);
        Assert.Equal(digest, request["Auth-Pass"]);
        // nginx writes the salt with the CRLF it keeps after it, which ends the header line: the header value is the
        // challenge exactly, without CR/LF (src/mail/ngx_mail_auth_http_module.c).
        Assert.Equal(salt, request["Auth-Salt"]);
    }

    [Fact]
    public async Task CramMd5WithoutAuthPassInTheReplyIsAnInternalError()
    {
        // OK without Auth-Pass: the proxy only knows a digest, so it cannot log in upstream (nginx: "did not send password").
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort));
        await using var c = await OpenAsync("mechs");
        await c.SendAsync("a AUTHENTICATE CRAM-MD5\r\n");
        Assert.StartsWith("+ ", await c.ReadLineAsync());
        await c.ExpectAsync(B64("alice " + new string('0', 32)) + "\r\n", "* BAD internal server error");
        await c.AssertClosedAsync();
    }

    [Theory]
    [InlineData("a AUTHENTICATE CRAM-MD5\r\n")]
    [InlineData("a AUTHENTICATE EXTERNAL\r\n")]
    [InlineData("a AUTHENTICATE EXTERNAL YWxpY2U=\r\n")]
    [InlineData("a AUTHENTICATE DIGEST-MD5\r\n")]
    [InlineData("a AUTHENTICATE XOAUTH2 dGVzdA==\r\n")]
    public async Task MechanismsNotEnabledOnTheListenerAreInvalid(string line)
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync(line, "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task CramMd5RefusesAnInitialResponse()
    {
        await using var c = await OpenAsync("mechs");
        await c.ExpectAsync($"a AUTHENTICATE CRAM-MD5 {B64("alice 0123")}\r\n", "a BAD invalid command");
    }

    [Fact]
    public async Task ExternalLetsTheAuthServerDecide()
    {
        using var alice = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort, pass: "alice-password"));
        using var noIdentity = fixture.Stack.AnswerFor(ProxyStack.EmptyLogin, _ => AuthReply.Fail("[AUTHENTICATIONFAILED] no certificate"));
        var before = fixture.Auth.RequestCount;
        await using (var c = await OpenAsync("mechs"))
        {
            await c.SendAsync($"a AUTHENTICATE EXTERNAL {B64("alice")}\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }

        var request = fixture.Auth.Requests.Skip(before).Single();
        Assert.Equal("external", request["Auth-Method"]);
        Assert.Equal("alice", request["Auth-User"]);
        Assert.Equal("", request["Auth-Pass"]);
        Assert.False(request.Has("Auth-Salt"));

        // Without an initial response the proxy prompts; "=" is the empty identity (RFC 4422), which this server refuses.
        await using (var c = await OpenAsync("mechs"))
        {
            await c.ExpectAsync("b AUTHENTICATE EXTERNAL\r\n", "+ VXNlcm5hbWU6");
            await c.ExpectAsync("=\r\n", "b NO [AUTHENTICATIONFAILED] no certificate");
            await c.AssertClosedAsync();
        }
        Assert.Equal("", fixture.Auth.Requests.Skip(before).Last()["Auth-User"]);
    }

    [Fact]
    public async Task AuthWaitDelaysTheRefusalKeepsTheConnectionAndCountsAttempts()
    {
        using var answer = fixture.Stack.AnswerFor("bob", TestAuthServer.UsersAndPasswords(fixture.Dovecot.Users, fixture.Dovecot.Host, fixture.Dovecot.ImapPort, waitOnFailureSeconds: 1));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await c.ExpectAsync("a LOGIN bob wrong\r\n", "a NO Invalid login or password");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"refused after {clock.Elapsed}");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        await c.SendAsync("c LOGIN bob bob-password\r\n");
        AssertLoggedIn("c", await c.ReadLineAsync());
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(["1", "2"], requests.Select(r => r["Auth-Login-Attempt"]!).ToArray());
    }

    [Fact]
    public async Task ARetryAfterAFailedCramMd5WithAuthWaitWorks()
    {
        // CVE-2026-27651: nginx crashed on the second attempt after a failed CRAM-MD5 with Auth-Wait.
        var calls = 0;
        using var answer = fixture.Stack.AnswerFor("bob", request => Interlocked.Increment(ref calls) == 1
            ? AuthReply.Fail("try again", waitSeconds: 1)
            : AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort, pass: "bob-password"));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync("mechs");
        foreach (var tag in new[] { "a", "b" })
        {
            await c.SendAsync($"{tag} AUTHENTICATE CRAM-MD5\r\n");
            var salt = Encoding.ASCII.GetString(Convert.FromBase64String((await c.ReadLineAsync())![2..]));
            var digest = Convert.ToHexStringLower(HMACMD5.HashData("bob-password"u8, Encoding.ASCII.GetBytes(salt)));
            await c.SendAsync(B64("bob " + digest) + "\r\n");
            var reply = await c.ReadLineAsync();
            if (tag == "a") Assert.Equal("a NO try again", reply);
            else AssertLoggedIn("b", reply);
        }
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(["1", "2"], requests.Select(r => r["Auth-Login-Attempt"]!).ToArray());
        // A fresh challenge for the second attempt.
        Assert.NotEqual(requests[0]["Auth-Salt"], requests[1]["Auth-Salt"]);
    }

    [Fact]
    public async Task AuthServerWaitThenOkLogsInAfterTheWait()
    {
        var calls = 0;
        using var answer = fixture.Stack.AnswerFor("alice", request => Interlocked.Increment(ref calls) == 1
            ? AuthReply.Wait()
            : fixture.DefaultHandler(request));
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await c.SendAsync("a LOGIN alice alice-password\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
        // WAIT without Auth-Wait: nginx retries at once (a tight loop); we wait at least a second.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"logged in after {clock.Elapsed}");
        var requests = fixture.Auth.Requests.Skip(before).ToList();
        Assert.Equal(2, requests.Count);
        // A WAIT re-request is the same attempt (src/mail/ngx_mail_auth_http_module.c).
        Assert.All(requests, r => Assert.Equal("1", r["Auth-Login-Attempt"]));
    }

    [Fact]
    public async Task AuthServerHostNameAsAuthServerWorks()
    {
        // Deliberate difference: nginx accepts only IP literals in Auth-Server; we resolve host names.
        using var answer = fixture.Stack.AnswerFor("alice", request => fixture.DefaultHandler(request) is { StatusCode: 200 } reply
            && reply.Headers.Any(h => h.Key == "Auth-Status" && h.Value == "OK")
            ? AuthReply.Ok("localhost", fixture.Dovecot.ImapPort)
            : AuthReply.Fail("no"));
        await using var c = await OpenAsync();
        await c.SendAsync("a LOGIN alice alice-password\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
    }

    internal static void AssertLoggedIn(string tag, string? line)
    {
        Assert.NotNull(line);
        Assert.Matches($"^{tag} OK .*Logged in", line);
    }

    internal static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [GeneratedRegex("^<[0-9]+\\.[0-9]+@proxy\\.test>$")]
    private static partial Regex SaltPattern();
}
