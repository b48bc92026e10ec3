using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.Pop3Wire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// What a POP3 client sees when the upstream misbehaves during the login dialogue (src/mail/ngx_mail_{imap,pop3,smtp}_module.c and ngx_mail_proxy_module.c):
/// <c>-ERR internal server error</c> and a close; with proxy_pass_error_message, the upstream's own <c>-ERR</c> line.
/// </summary>
public sealed class Pop3UpstreamFailureTests(Pop3ProxyFixture fixture) : IClassFixture<Pop3ProxyFixture>
{
    private async Task<string> LoginUntilClosedAsync(string listener, string login = "alice") =>
        await RawWire.ExchangeUntilClosedAsync(fixture.Proxy.Port(listener), $"USER {login}\r\nPASS whatever\r\n", TimeSpan.FromSeconds(15));

    /// <summary>
    /// <see cref="LoginUntilClosedAsync(string, string)"/> as a login of its own (one login's attempts are decided one at
    /// a time), which the auth server answers with <paramref name="answer"/>.
    /// </summary>
    private async Task<string> LoginUntilClosedAsync(string listener, Func<RecordedAuthRequest, AuthReply> answer)
    {
        var login = $"u{Guid.NewGuid():N}";
        using var _ = fixture.Stack.AnswerFor(login, answer);
        return await LoginUntilClosedAsync(listener, login);
    }

    [Theory]
    [InlineData(null)]                      // hangs up without a greeting
    [InlineData("+OK POP3 ready\r\n")]      // hangs up after the greeting, before answering USER
    [InlineData("-ERR too busy\r\n")]
    [InlineData("* OK IMAP4 ready\r\n")]    // not a POP3 server
    public async Task ABrokenUpstreamDialogueIsAnInternalError(string? greeting)
    {
        await using var upstream = new ScriptedUpstream(greeting, hangUp: true);
        Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3", _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw")));
    }

    [Fact]
    public async Task AnUpstreamThatStopsAnsweringIsAnInternalErrorAfterTheTimeout()
    {
        // strict: timeout 2 s bounds the upstream login dialogue.
        await using var upstream = new ScriptedUpstream("+OK POP3 ready\r\n", hangUp: false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("strict", _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task WithProxyPassErrorMessageTheUpstreamsErrorIsShown()
    {
        await using var upstream = new ScriptedUpstream("-ERR [SYS/TEMP] too busy\r\n", hangUp: false);
        Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR [SYS/TEMP] too busy\r\n", await LoginUntilClosedAsync("passerror", _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw")));
    }

    [Fact]
    public async Task DovecotRefusingTheLoginIsAnInternalErrorOrItsOwnErrorWithPassErrorMessage()
    {
        // The auth server says OK but hands over a wrong password.
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.Pop3Port, pass: "not-her-password"));
        Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3"));
        Assert.Matches("^\\+OK POP3 ready\r\n\\+OK\r\n-ERR \\[AUTH\\] [^\r\n]+\r\n$", await LoginUntilClosedAsync("passerror"));
    }

    [Fact]
    public async Task AuthUserAndAuthPassFromTheAuthServerAreUsedUpstream()
    {
        using var answer = fixture.Stack.AnswerFor("alias-of-bob", _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.Pop3Port, user: "bob", pass: "bob-password"));
        await using var c = await Pop3Wire.OpenAsync(fixture.Proxy.Port("pop3"));
        await c.ExpectAsync("USER alias-of-bob\r\n", "+OK");
        await c.SendAsync("PASS x\r\n");
        AssertLoggedIn(await c.ReadLineAsync());
    }

    [Fact]
    public async Task AnUpstreamThatRefusesConnectionsIsAnInternalError()
    {
        Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3", _ => AuthReply.Ok("127.0.0.1", RawTcpResponder.UnusedPort(), pass: "pw")));
    }
}
