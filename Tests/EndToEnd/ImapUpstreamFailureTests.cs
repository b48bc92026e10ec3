using System.Diagnostics;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.ImapTranscriptTests;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// What the client sees when the auth server or the upstream misbehaves (src/mail/ngx_mail_auth_http_module.c, ngx_mail_{imap,pop3,smtp}_module.c and ngx_mail_proxy_module.c):
/// <c>* BAD internal server error</c> and a close, within bounded time; with proxy_pass_error_message the
/// upstream's own line instead. Each test uses its own login, because one login's attempts are decided one at a time.
/// </summary>
public sealed class ImapUpstreamFailureTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    private Task<LineClient> OpenAsync(string listener = "imap") => ImapWire.OpenAsync(fixture.Proxy.Port(listener));

    private async Task AssertInternalErrorAsync(Func<RecordedAuthRequest, AuthReply> handler, string listener = "imap", double maxSeconds = 5)
    {
        var login = $"u{Guid.NewGuid():N}";
        using var answer = fixture.Stack.AnswerFor(login, handler);
        await using var c = await OpenAsync(listener);
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync($"a LOGIN {login} pw\r\n", "* BAD internal server error");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(maxSeconds), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AuthServerSlowerThanAuthHttpTimeoutIsATemporaryFailure()
    {
        // AuthHttpTimeout is 3 s in the fixture; the reply would come after 6 s. Unlike nginx's internal error, the
        // client is told to try again later (RFC 5530 UNAVAILABLE).
        var login = $"u{Guid.NewGuid():N}";
        using var answer = fixture.Stack.AnswerFor(login, _ => AuthReply.Ok("127.0.0.1", 1).After(TimeSpan.FromSeconds(6)));
        await using var c = await OpenAsync();
        var clock = Stopwatch.StartNew();
        await c.ExpectAsync($"a LOGIN {login} pw\r\n", "a NO [UNAVAILABLE] Temporary authentication failure");
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5.5), $"took {clock.Elapsed}");
    }

    [Fact]
    public Task OkWithoutAuthServerIsAnInternalError() =>
        AssertInternalErrorAsync(_ => AuthReply.With(("Auth-Status", "OK"), ("Auth-Port", "143")));

    [Fact]
    public Task OkWithoutAuthPortIsAnInternalError() =>
        AssertInternalErrorAsync(_ => AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", "127.0.0.1")));

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("x")]
    public Task AnInvalidAuthPortIsAnInternalError(string port) =>
        AssertInternalErrorAsync(_ => AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", "127.0.0.1"), ("Auth-Port", port)));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("bad host")]
    [InlineData("127.0.0.1:143")]
    public Task AnInvalidAuthServerIsAnInternalError(string server) =>
        AssertInternalErrorAsync(_ => AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", server), ("Auth-Port", "143")));

    [Fact]
    public Task AReplyWithoutAuthStatusIsAnInternalError() =>
        // nginx would treat this as OK; we refuse to log anyone in on a reply that says nothing.
        AssertInternalErrorAsync(_ => AuthReply.With(("Auth-Server", "127.0.0.1"), ("Auth-Port", "143")).WithStatusCode(500));

    [Fact]
    public Task AnAuthServerThatFailsIsAnInternalError() =>
        AssertInternalErrorAsync(_ => throw new InvalidOperationException("auth server bug"));

    [Fact]
    public Task AnUpstreamThatRefusesConnectionsIsAnInternalError() =>
        AssertInternalErrorAsync(_ => AuthReply.Ok("127.0.0.1", RawTcpResponder.UnusedPort()));

    [Theory]
    [InlineData("* PREAUTH logged in already\r\n", true)]
    [InlineData("* BYE too busy\r\n", true)]
    [InlineData("+OK POP3 ready\r\n", true)]
    [InlineData(null, true)]                  // hangs up without a greeting
    [InlineData("* OK ready\r\n", true)]      // hangs up after the greeting
    public async Task ABrokenUpstreamDialogueIsAnInternalError(string? greeting, bool hangUp)
    {
        await using var upstream = new ScriptedUpstream(greeting, hangUp);
        await AssertInternalErrorAsync(_ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw"));
    }

    [Fact]
    public async Task AnUpstreamThatNeverAnswersIsAnInternalErrorAfterTheTimeout()
    {
        // strict: timeout 2 s bounds the upstream login dialogue too.
        await using var upstream = new ScriptedUpstream("* OK [CAPABILITY IMAP4rev1] hi\r\n", hangUp: false);
        await AssertInternalErrorAsync(_ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw"), "strict", maxSeconds: 5);
        await using var silent = new ScriptedUpstream(null, hangUp: false);
        await AssertInternalErrorAsync(_ => AuthReply.Ok("127.0.0.1", silent.Port, pass: "pw"), "strict", maxSeconds: 5);
    }

    [Fact]
    public async Task WithProxyPassErrorMessageTheUpstreamsBadGreetingIsShownAsALine()
    {
        await using var upstream = new ScriptedUpstream("* BYE too busy\r\n", hangUp: false);
        using var answer = fixture.Stack.AnswerFor("someone", _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw"));
        var transcript = await RawWire.ExchangeUntilClosedAsync(fixture.Proxy.Port("passerror"), "a LOGIN someone pw\r\n", TimeSpan.FromSeconds(5));
        // A complete line, CRLF included, then the close.
        Assert.Equal("* OK IMAP4 ready\r\n* BYE too busy\r\n", transcript);
    }

    [Fact]
    public async Task DovecotRefusingTheLoginIsAnInternalErrorOrItsOwnReplyWithPassErrorMessage()
    {
        // The auth server says OK but hands over a wrong password.
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort, pass: "not-her-password"));
        await using (var c = await OpenAsync())
        {
            await c.ExpectAsync("a LOGIN alice whatever\r\n", "* BAD internal server error");
            await c.AssertClosedAsync();
        }

        await using (var c = await OpenAsync("passerror"))
        {
            await c.SendAsync("a LOGIN alice whatever\r\n");
            Assert.Matches("^a NO \\[AUTHENTICATIONFAILED\\] ", await c.ReadLineAsync());
            await c.AssertClosedAsync();
        }
    }

    [Fact]
    public async Task AuthUserAndAuthPassFromTheAuthServerAreUsedUpstream()
    {
        using var answer = fixture.Stack.AnswerFor("alias-of-bob", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.ImapPort, user: "bob", pass: "bob-password"));
        await using var c = await OpenAsync();
        await c.SendAsync("a LOGIN alias-of-bob x\r\n");
        AssertLoggedIn("a", await c.ReadLineAsync());
    }
}
