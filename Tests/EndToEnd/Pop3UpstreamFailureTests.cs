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

    [Theory]
    [InlineData(null)]                      // hangs up without a greeting
    [InlineData("+OK POP3 ready\r\n")]      // hangs up after the greeting, before answering USER
    [InlineData("-ERR too busy\r\n")]
    [InlineData("* OK IMAP4 ready\r\n")]    // not a POP3 server
    public async Task ABrokenUpstreamDialogueIsAnInternalError(string? greeting)
    {
        await using var upstream = new ScriptedUpstream(greeting, hangUp: true);
        fixture.Auth.Handler = _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw");
        try
        {
            Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3", $"u{Guid.NewGuid():N}"));
        }
        finally
        {
            fixture.ResetAuth();
        }
    }

    [Fact]
    public async Task AnUpstreamThatStopsAnsweringIsAnInternalErrorAfterTheTimeout()
    {
        // strict: timeout 2 s bounds the upstream login dialogue.
        await using var upstream = new ScriptedUpstream("+OK POP3 ready\r\n", hangUp: false);
        fixture.Auth.Handler = _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw");
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("strict", $"u{Guid.NewGuid():N}"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        }
        finally
        {
            fixture.ResetAuth();
        }
    }

    [Fact]
    public async Task WithProxyPassErrorMessageTheUpstreamsErrorIsShown()
    {
        await using var upstream = new ScriptedUpstream("-ERR [SYS/TEMP] too busy\r\n", hangUp: false);
        fixture.Auth.Handler = _ => AuthReply.Ok("127.0.0.1", upstream.Port, pass: "pw");
        try
        {
            Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR [SYS/TEMP] too busy\r\n", await LoginUntilClosedAsync("passerror", $"u{Guid.NewGuid():N}"));
        }
        finally
        {
            fixture.ResetAuth();
        }
    }

    [Fact]
    public async Task DovecotRefusingTheLoginIsAnInternalErrorOrItsOwnErrorWithPassErrorMessage()
    {
        // The auth server says OK but hands over a wrong password.
        fixture.Auth.Handler = _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.Pop3Port, pass: "not-her-password");
        try
        {
            Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3"));
            Assert.Matches("^\\+OK POP3 ready\r\n\\+OK\r\n-ERR \\[AUTH\\] [^\r\n]+\r\n$", await LoginUntilClosedAsync("passerror"));
        }
        finally
        {
            fixture.ResetAuth();
        }
    }

    [Fact]
    public async Task AuthUserAndAuthPassFromTheAuthServerAreUsedUpstream()
    {
        fixture.Auth.Handler = _ => AuthReply.Ok(fixture.Dovecot.Host, fixture.Dovecot.Pop3Port, user: "bob", pass: "bob-password");
        try
        {
            await using var c = await Pop3Wire.OpenAsync(fixture.Proxy.Port("pop3"));
            await c.ExpectAsync("USER alias-of-bob\r\n", "+OK");
            await c.SendAsync("PASS x\r\n");
            AssertLoggedIn(await c.ReadLineAsync());
        }
        finally
        {
            fixture.ResetAuth();
        }
    }

    [Fact]
    public async Task AnUpstreamThatRefusesConnectionsIsAnInternalError()
    {
        fixture.Auth.Handler = _ => AuthReply.Ok("127.0.0.1", RawTcpResponder.UnusedPort(), pass: "pw");
        try
        {
            Assert.Equal("+OK POP3 ready\r\n+OK\r\n-ERR internal server error\r\n", await LoginUntilClosedAsync("pop3", $"u{Guid.NewGuid():N}"));
        }
        finally
        {
            fixture.ResetAuth();
        }
    }
}
