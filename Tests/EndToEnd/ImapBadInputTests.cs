using System.Diagnostics;
using System.Text;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.ImapTranscriptTests;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// Hostile and broken client input before login (src/mail/ngx_mail_handler.c and ngx_mail_imap_handler.c; nginx.org/en/security_advisories.html): every case gets the protocol's
/// clear reply, or a clean close within a bounded time, and none of them leaves anything behind in the proxy.
/// The <c>strict</c> listener has max_errors 2, imap_client_buffer 256 and timeout 2 s.
/// </summary>
public sealed class ImapBadInputTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "imap") => ImapWire.OpenAsync(fixture.Proxy.Port(listener));

    [Fact]
    public async Task UnknownCommandsAreCountedAndTheSecondErrorClosesOnStrict()
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("a SELECT INBOX\r\n", "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        // The nth error is still answered, then the connection closes (nginx max_errors).
        await c.ExpectAsync("c ENABLE UTF8=ACCEPT\r\n", "c BAD invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task UnknownCommandsBeforeLoginAreInvalidOnTheDefaultListener()
    {
        await using var c = await OpenAsync();
        foreach (var command in new[] { "SELECT INBOX", "FETCH 1 BODY[]", "STARTTLS", "XCLIENT ADDR=1.2.3.4", "LOGIN1 a b" })
            await c.ExpectAsync($"t {command}\r\n", "t BAD invalid command");
        // max_errors defaults to 5: the fifth was the last one allowed.
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task AnUnknownCommandIsNeverAskedForItsLiteral()
    {
        await using var c = await OpenAsync();
        // No "+ OK": the literal of a command the parser does not know is never read.
        await c.ExpectAsync("a APPEND INBOX {5}\r\n", "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
    }

    [Fact]
    public async Task WrongArgumentCountsAreNotCounted()
    {
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("a NOOP x\r\n", "a BAD invalid command");
        await c.ExpectAsync("b CAPABILITY x\r\n", "b BAD invalid command");
        await c.ExpectAsync("c LOGOUT now\r\n", "c BAD invalid command");
        await c.ExpectAsync("d LOGIN alice\r\n", "d BAD invalid command");
        await c.ExpectAsync("e LOGIN alice b c\r\n", "e BAD invalid command");
        await c.ExpectAsync("f LOGIN \"\" pw\r\n", "f BAD invalid command");
        await c.ExpectAsync("g AUTHENTICATE\r\n", "g BAD invalid command");
        await c.ExpectAsync("h NOOP\r\n", "h OK completed");
    }

    [Fact]
    public async Task ADisabledMechanismIsNotCounted()
    {
        // src/mail/ngx_mail_handler.c: a disabled mechanism is a handler rejection, which max_errors does not count.
        await using var c = await OpenAsync("strict");
        await c.ExpectAsync("a AUTHENTICATE CRAM-MD5\r\n", "a BAD invalid command");
        await c.ExpectAsync("b AUTHENTICATE EXTERNAL\r\n", "b BAD invalid command");
        await c.ExpectAsync("c AUTHENTICATE GSSAPI\r\n", "c BAD invalid command");
        await c.ExpectAsync("d NOOP\r\n", "d OK completed");
    }

    [Theory]
    [InlineData("*")]            // cancel
    [InlineData("!!!!")]         // not base64
    [InlineData("AGFsaWNl")]     // "\0alice": PLAIN without the second NUL
    [InlineData("YWxpY2U=")]     // "alice": PLAIN without any NUL
    [InlineData("AGFsaWNlAHB3 ")] // trailing space
    [InlineData("")]
    public async Task BadPlainResponsesAreInvalid(string response)
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("a AUTHENTICATE PLAIN\r\n", "+ ");
        await c.ExpectAsync(response + "\r\n", "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task BadLoginMechanismResponsesAreInvalid()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("a AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6");
        await c.ExpectAsync("*\r\n", "a BAD invalid command");
        await c.ExpectAsync("b AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6");
        await c.ExpectAsync(B64("alice") + "\r\n", "+ UGFzc3dvcmQ6");
        await c.ExpectAsync("not base64!\r\n", "b BAD invalid command");
        await c.ExpectAsync("c AUTHENTICATE LOGIN %%%%\r\n", "c BAD invalid command");
        await c.ExpectAsync("d NOOP\r\n", "d OK completed");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Theory]
    [InlineData("a LOGIN {7+}\r\nal\r\nice pw\r\n")]          // CRLF inside a literal login
    [InlineData("a LOGIN alice {4+}\r\np\nw0\r\n")]           // LF inside a literal password
    [InlineData("a LOGIN alice {4+}\r\np\0w0\r\n")]           // NUL inside a literal password
    [InlineData("a AUTHENTICATE PLAIN AGFsaQpjZQBwdw==\r\n")] // PLAIN "\0ali\nce\0pw"
    [InlineData("a AUTHENTICATE PLAIN AGFsaWNlAHANdw==\r\n")] // PLAIN "\0alice\0p\rw"
    [InlineData("a AUTHENTICATE PLAIN AGFsaWNlAHAAdw==\r\n")] // PLAIN "\0alice\0p\0w"
    [InlineData("a AUTHENTICATE LOGIN YWxpDQpjZQ==\r\n")]     // LOGIN user "ali\r\nce"
    public async Task ControlCharactersInCredentialsAreRefusedBeforeAnyAuthCall(string input)
    {
        // Hardening beyond nginx, which passes decoded CR/LF/NUL on to the auth server and the backend (its SASL
        // decoders in src/mail/ngx_mail_handler.c check only for the NUL separators).
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync(input, "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task ControlCharactersInTheLoginMechanismPasswordAreRefused()
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync("a AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6");
        await c.ExpectAsync(B64("alice") + "\r\n", "+ UGFzc3dvcmQ6");
        await c.ExpectAsync(B64("pass\r\nb NOOP") + "\r\n", "a BAD invalid command");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task AnOverlongLineIsAnsweredThenClosed()
    {
        await using (var c = await OpenAsync("strict"))
        {
            await c.SendAsync("a NOOP " + new string('x', 300) + "\r\n");
            Assert.Equal("* BAD invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }

        // A line that never ends is cut off at the buffer size, not buffered forever.
        await using (var c = await OpenAsync("strict"))
        {
            await c.SendAsync(new string('a', 1000));
            Assert.Equal("* BAD invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }

        // The same limit applies to SASL responses.
        await using (var c = await OpenAsync("strict"))
        {
            await c.ExpectAsync("a AUTHENTICATE PLAIN\r\n", "+ ");
            await c.SendAsync(new string('A', 400) + "\r\n");
            Assert.Equal("* BAD invalid command", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }
    }

    [Theory]
    [InlineData("strict", "a LOGIN {300}\r\n")]
    [InlineData("imap", "a LOGIN {99999999999999999999}\r\n")]
    [InlineData("imap", "a LOGIN alice {18446744073709551617+}\r\n")]
    public async Task ALiteralLongerThanTheBufferIsAnsweredThenClosed(string listener, string line)
    {
        await using var c = await OpenAsync(listener);
        await c.ExpectAsync(line, "a BAD invalid command");
        await c.AssertClosedAsync();
    }

    [Theory]
    [InlineData("a FOO {10+}\r\nb NOOP\r\n\r\n")]
    [InlineData("a SELECT {5+}\r\nb NOOP\r\n")]
    [InlineData("a LOGIN \"x\"y {6+}\r\nb NOOP\r\n")]
    public async Task AnInvalidLineEndingInANonSynchronisingLiteralIsAnsweredThenClosed(string input)
    {
        // Otherwise the literal's bytes ("b NOOP") would be parsed as a command (src/mail/ngx_mail_imap_handler.c; nginx.org/en/security_advisories.html).
        await using var c = await OpenAsync();
        await c.ExpectAsync(input, "a BAD invalid command");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task OnlySpaceOrLineEndMayFollowALiteral()
    {
        await using var c = await OpenAsync();
        await c.ExpectAsync("a LOGIN {5}\r\n", "+ OK");
        await c.ExpectAsync("alicex pw\r\n", "a BAD invalid command");
        await c.ExpectAsync("b LOGIN {5+}\r\nalice\"pw\"\r\n", "b BAD invalid command");
        await c.ExpectAsync("c NOOP\r\n", "c OK completed");
    }

    [Theory]
    [InlineData("a LOGIN \"alice\\\r\n")]   // escape before CRLF
    [InlineData("a LOGIN \"al\\ice\" pw\r\n")] // escape of an ordinary character
    [InlineData("a LOGIN \"alice pw\r\n")]   // unterminated quote
    [InlineData("a LOGIN alice pw\rx\r\n")]  // bare CR
    [InlineData("a LOGIN (alice) pw\r\n")]   // list
    [InlineData("a LOGIN {} pw\r\n")]
    [InlineData("a LOGIN {5x} pw\r\n")]
    [InlineData("a NOOP\tx\r\n")]
    public async Task MalformedArgumentsAreInvalid(string line)
    {
        var before = fixture.Auth.RequestCount;
        await using var c = await OpenAsync();
        await c.ExpectAsync(line, "a BAD invalid command");
        await c.ExpectAsync("b NOOP\r\n", "b OK completed");
        Assert.Equal(before, fixture.Auth.RequestCount);
    }

    [Fact]
    public async Task SilentClientsAreClosedAfterTheTimeoutInEveryState()
    {
        // strict: timeout 2 s. After the greeting, after "+ OK" for a literal, after a SASL challenge.
        async Task<TimeSpan> SilentAsync(string? first, string? reply)
        {
            await using var c = await OpenAsync("strict");
            if (first is not null) await c.ExpectAsync(first, reply!);
            var clock = Stopwatch.StartNew();
            await c.AssertClosedAsync(TimeSpan.FromSeconds(4));
            return clock.Elapsed;
        }

        var elapsed = await Task.WhenAll(
            SilentAsync(null, null),
            SilentAsync("a LOGIN {5}\r\n", "+ OK"),
            SilentAsync("a AUTHENTICATE PLAIN\r\n", "+ "),
            SilentAsync("a AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6"));
        Assert.All(elapsed, e => Assert.InRange(e, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3.5)));
    }

    [Fact]
    public async Task ASlowClientThatKeepsSendingPartsOfALineIsStillBoundedByTheBuffer()
    {
        await using var c = await OpenAsync("strict");
        try
        {
            for (var i = 0; i < 30; i++)
            {
                await c.SendAsync("aaaaaaaaaa");
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }
        catch (IOException)
        {
            // The proxy closed once the buffer was full: what is being tested.
        }
        Assert.Equal("* BAD invalid command", await c.ReadLineAsync());
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task ClientsThatVanishMidCommandLeaveNothingBehind()
    {
        var slowLogin = "slow-" + Guid.NewGuid().ToString("N");
        using var answer = fixture.Stack.AnswerFor(slowLogin, _ => AuthReply.Fail("too slow").After(TimeSpan.FromSeconds(2)));
        // Mid-literal, mid-AUTHENTICATE (both mechanisms), mid-line, and mid-login while the auth server thinks.
        var scripts = new (string Send, string? Expect)[]
        {
            ("a LOGIN {10}\r\n", "+ OK"),
            ("a LOGIN {10+}\r\nali", null),
            ("a AUTHENTICATE PLAIN\r\n", "+ "),
            ("a AUTHENTICATE LOGIN\r\n", "+ VXNlcm5hbWU6"),
            ("a NOO", null),
            ($"a LOGIN {slowLogin} pw\r\n", null),
        };
        foreach (var (send, expect) in scripts)
        {
            var c = await OpenAsync();
            await c.SendAsync(send);
            if (expect is not null) Assert.Equal(expect, await c.ReadLineAsync());
            await Task.Delay(200, TestContext.Current.CancellationToken);
            await c.DisposeAsync();
        }

        // The login grain of the vanished client is not stuck: the same login is decided again.
        await using (var c = await OpenAsync())
            await c.ExpectAsync($"a LOGIN {slowLogin} pw\r\n", "a NO too slow");

        // And the proxy still serves everyone else.
        await using (var c = await OpenAsync())
        {
            await c.SendAsync("a LOGIN alice alice-password\r\n");
            AssertLoggedIn("a", await c.ReadLineAsync());
        }
        Assert.True(ImapWire.Errors(fixture.Proxy).Count == 0, string.Join("\n", ImapWire.Errors(fixture.Proxy)));
    }

    [Fact]
    public async Task ManyBadClientsAtOnceDoNotDisturbAGoodOne()
    {
        var errors = ImapWire.Errors(fixture.Proxy).Count;
        var bad = Enumerable.Range(0, 20).Select(async i =>
        {
            await using var c = await OpenAsync("strict");
            // "GET BAD invalid command", "* BAD invalid command", then max_errors closes (ALPACA, nginx.org/en/security_advisories.html).
            await c.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: x{i}\r\n\r\n"));
            Assert.Equal(["GET BAD invalid command", "* BAD invalid command"], await c.ReadLinesAsync(2));
            await c.AssertClosedAsync();
        });
        var good = Task.Run(async () =>
        {
            await using var c = await OpenAsync();
            await c.ExpectAsync("a NOOP\r\n", "a OK completed");
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll([.. bad, good]);
        Assert.Equal(errors, ImapWire.Errors(fixture.Proxy).Count);
    }
}
