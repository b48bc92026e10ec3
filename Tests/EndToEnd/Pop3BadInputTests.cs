using System.Text;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.ImapTranscriptTests;
using static OrleansMail.Tests.EndToEnd.Pop3Wire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Hostile and broken POP3 input before login (src/mail/ngx_mail_handler.c and ngx_mail_pop3_handler.c; nginx.org/en/security_advisories.html): the clear <c>-ERR invalid command</c>,
/// or a clean close within a bounded time, and nothing left behind in the proxy.
/// The <c>strict</c> listener has max_errors 2, pop3_client_buffer 256 and timeout 2 s.
/// </summary>
public sealed class Pop3BadInputTests(Pop3ProxyFixture fixture) : IClassFixture<Pop3ProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "pop3") => Pop3Wire.OpenAsync(fixture.Proxy.Port(listener));

    [Fact]
    public async Task UnknownCommandsAreCountedAndTheSecondErrorClosesOnStrict()
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("STAT\r\n", "-ERR invalid command");
        await c.ExpectAsync("NOOP\r\n", "+OK");
        // The nth error is still answered, then the connection closes (nginx max_errors).
        await c.ExpectAsync("STLS\r\n", "-ERR invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task CommandsOfTheTransactionStateAndMalformedNamesAreInvalidOnTheDefaultListener()
    {
        await using var c = await OpenAsync();
        foreach (var command in new[] { "STAT", "UIDL", "TOP 1 1", "USERS alice", "US3R alice" })
            await c.ExpectAsync($"{command}\r\n", "-ERR invalid command");
        // max_errors defaults to 5: the fifth was the last one allowed.
        await c.AssertClosedAsync();
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData(" NOOP\r\n")]
    [InlineData("NOOP\ra\r\n")]      // a CR not followed by LF
    [InlineData("NOOP a b c d\r\n")] // nginx's parser keeps at most three arguments
    [InlineData("RETR 1\r\n")]
    public async Task ParserRejectionsAreCounted(string line)
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync(line, "-ERR invalid command");
        await c.ExpectAsync(line, "-ERR invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task WrongArgumentsAndWrongStatesAreNotCounted()
    {
        // Handler rejections (src/mail/ngx_mail_handler.c): the error, no count, and back to the start state.
        await using var c = await OpenAsync("strict");
        foreach (var line in new[]
                 {
                     "PASS alice-password", "USER", "NOOP x", "CAPA x", "QUIT now", "APOP alice 0123456789abcdef0123456789abcdef",
                     "AUTH PLAIN a b", "AUTH CRAM-MD5", "AUTH EXTERNAL", "AUTH GSSAPI",
                 })
        {
            await c.ExpectAsync(line + "\r\n", "-ERR invalid command");
        }
        // USER twice, then PASS: the second USER was refused and reset the state.
        await c.ExpectAsync("USER alice\r\n", "+OK");
        await c.ExpectAsync("USER bob\r\n", "-ERR invalid command");
        await c.ExpectAsync("PASS bob-password\r\n", "-ERR invalid command");
        // AUTH and APOP are start-state commands only.
        await c.ExpectAsync("USER alice\r\n", "+OK");
        await c.ExpectAsync("AUTH PLAIN\r\n", "-ERR invalid command");
        await c.ExpectAsync("NOOP\r\n", "+OK");
    }

    [Theory]
    [InlineData("APOP alice\r\n")]
    [InlineData("APOP alice 0123456789abcdef0123456789abcde\r\n")]    // 31 digits
    [InlineData("APOP alice 0123456789abcdef0123456789abcdeg\r\n")]   // not hex
    [InlineData("APOP alice 0123456789abcdef0123456789abcdef x\r\n")] // 3 arguments
    public async Task MalformedApopIsRefusedWithoutAnAuthCall(string line)
    {
        var before = fixture.Auth.RequestCount;
        var (c, _) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (c)
        {
            await c.ExpectAsync(line, "-ERR invalid command");
            await c.ExpectAsync("NOOP\r\n", "+OK");
        }
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Theory]
    [InlineData("*")]            // cancel
    [InlineData("!!!!")]         // not base64
    [InlineData("AGFsaWNl")]     // "\0alice": PLAIN without the second NUL
    [InlineData("YWxpY2U=")]     // "alice": PLAIN without any NUL
    [InlineData("")]
    public async Task BadPlainResponsesAreRefusedCleanly(string response)
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("AUTH PLAIN\r\n", "+ ");
        await c.ExpectAsync(response + "\r\n", "-ERR invalid command");
        await c.ExpectAsync("NOOP\r\n", "+OK");
        // The same as an initial response.
        if (response.Length > 0) await c.ExpectAsync($"AUTH PLAIN {response}\r\n", "-ERR invalid command");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("YWxpY2U=")] // "alice": no digest
    public async Task BadCramMd5AnswersAreRefusedCleanly(string answer)
    {
        var before = fixture.Auth.RequestCount;
        var (c, salt) = await OpenWithSaltAsync(fixture.Proxy.Port("mechs"));
        await using (c)
        {
            await c.ExpectAsync("AUTH CRAM-MD5\r\n", "+ " + B64(salt));
            await c.ExpectAsync(answer + "\r\n", "-ERR invalid command");
            await c.ExpectAsync("NOOP\r\n", "+OK");
            // CRAM-MD5 takes no initial response.
            await c.ExpectAsync($"AUTH CRAM-MD5 {B64("alice " + new string('0', 32))}\r\n", "-ERR invalid command");
        }
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Theory]
    [InlineData("USER al\0ice\r\n")]
    [InlineData("USER alice\r\nPASS pass\0word\r\n")]
    [InlineData("AUTH PLAIN AGFsaQpjZQBwdw==\r\n")] // PLAIN "\0ali\nce\0pw"
    [InlineData("AUTH PLAIN AGFsaWNlAHANdw==\r\n")] // PLAIN "\0alice\0p\rw"
    [InlineData("AUTH LOGIN YWxpDQpjZQ==\r\n")]     // LOGIN user "ali\r\nce"
    public async Task ControlCharactersInCredentialsAreRefusedBeforeAnyAuthCall(string input)
    {
        // Hardening beyond nginx, which passes NUL and decoded CR/LF on (nginx.org/en/security_advisories.html).
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.SendAsync(input);
        var lines = await c.ReadLinesAsync(input.StartsWith("USER alice", StringComparison.Ordinal) ? 2 : 1);
        Assert.Equal("-ERR invalid command", lines[^1]);
        await c.ExpectAsync("NOOP\r\n", "+OK");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task ALineLongerThanTheClientBufferIsAnsweredThenClosed()
    {
        await using (var c = await OpenAsync("strict"))
        {
            await c.ExpectAsync("USER alice\r\n", "+OK");
            await c.SendAsync("PASS " + new string('x', 300) + "\r\n");
            Assert.Equal("-ERR invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }

        // No line end at all: the buffer fills up, which is enough to answer and close.
        await using (var c = await OpenAsync("strict"))
        {
            await c.SendAsync(new string('N', 400));
            Assert.Equal("-ERR invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }

        // A SASL answer is bounded the same way.
        await using (var c = await OpenAsync("strict"))
        {
            await c.ExpectAsync("AUTH PLAIN\r\n", "+ ");
            await c.SendAsync(new string('A', 400) + "\r\n");
            Assert.Equal("-ERR invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }
    }

    [Fact]
    public async Task SilentClientsAreClosedAfterTheTimeout()
    {
        foreach (var first in new[] { null, "USER alice\r\n", "AUTH LOGIN\r\n", "NOO" })
        {
            await using var c = await OpenAsync("strict");
            if (first is not null) await c.SendAsync(first);
            if (first is not null && first.EndsWith('\n')) Assert.NotNull(await c.ReadLineAsync());
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.True(await c.IsClosedAsync(TimeSpan.FromSeconds(8)), $"still open after {first}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"closed after {clock.Elapsed}");
        }
    }

    [Fact]
    public async Task ClientsThatVanishInEveryStateLeaveNothingBehind()
    {
        var slowLogin = "slow-" + Guid.NewGuid().ToString("N");
        using var answer = fixture.Stack.AnswerFor(slowLogin, _ => AuthReply.Fail("too slow").After(TimeSpan.FromSeconds(2)));
        // After the greeting, after USER, mid-AUTH (both prompts), mid-line, and mid-login while the auth server thinks.
        var scripts = new (string Send, string? Expect)[]
        {
            ("", null),
            ("USER alice\r\n", "+OK"),
            ("AUTH PLAIN\r\n", "+ "),
            ("AUTH LOGIN\r\n", "+ VXNlcm5hbWU6"),
            ("NOO", null),
            ($"USER {slowLogin}\r\nPASS pw\r\n", "+OK"),
        };
        foreach (var (send, expect) in scripts)
        {
            var c = await OpenAsync();
            if (send.Length > 0) await c.SendAsync(send);
            if (expect is not null) Assert.Equal(expect, await c.ReadLineAsync());
            await Task.Delay(200, TestContext.Current.CancellationToken);
            await c.DisposeAsync();
        }

        // The login grain of the vanished client is not stuck: the same login is decided again.
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync($"USER {slowLogin}\r\n", "+OK");
            await c.ExpectAsync("PASS pw\r\n", "-ERR too slow");
        }

        // And the proxy still serves everyone else.
        await using (var c = await OpenAsync())
        {
            await c.SendAsync("USER alice\r\nPASS alice-password\r\n");
            Assert.Equal("+OK", await c.ReadLineAsync());
            AssertLoggedIn(await c.ReadLineAsync());
        }
        Assert.True(ImapWire.Errors(fixture.Proxy).Count == 0, string.Join("\n", ImapWire.Errors(fixture.Proxy)));
    }

    [Fact]
    public async Task AnHttpRequestIsClosedAfterMaxErrors()
    {
        // ALPACA (nginx.org/en/security_advisories.html): "GET / HTTP/1.1" and "Host: x" are two invalid commands on strict.
        await using var c = await OpenAsync("strict");
        await c.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal(["-ERR invalid command", "-ERR invalid command"], await c.ReadLinesAsync(2));
        await c.AssertClosedAsync();
    }
}
