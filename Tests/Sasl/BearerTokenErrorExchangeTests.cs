using System.Diagnostics;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Sasl.BearerTokenProxyFixture;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// RFC 7628 §3.2.3's error exchange as freenginx 1.27.1 runs it (its mail_oauth.t): a refused bearer-token login whose
/// auth server sent Auth-Error-SASL gets that JSON as a challenge after any Auth-Wait; <c>AQ==</c>, an empty line or
/// <c>*</c> then get the usual failure reply, anything else the invalid-command reply; the session goes on after an
/// Auth-Wait and closes without one. The auth server is the real test server (<see cref="BearerTokenProxyFixture"/>:
/// token <c>saslfail</c>, and <c>saslwait</c> with Auth-Wait 1); logins that succeed go on to real Dovecot and Postfix.
/// </summary>
public sealed class BearerTokenErrorExchangeTests(BearerTokenProxyFixture fixture) : IClassFixture<BearerTokenProxyFixture>
{
    private Task<LineClient> ConnectAsync(string listener) => fixture.ConnectAsync(listener);

    [Theory]
    [InlineData("imap", "a AUTHENTICATE OAUTHBEARER ", "+ ", "AQ==", "a NO auth-failed")]
    [InlineData("pop3", "AUTH OAUTHBEARER ", "+ ", "AQ==", "-ERR auth-failed")]
    [InlineData("smtp", "AUTH OAUTHBEARER ", "334 ", "AQ==", "535 5.7.0 auth-failed")]
    [InlineData("imap", "a AUTHENTICATE XOAUTH2 ", "+ ", "foo", "a BAD invalid command")]
    [InlineData("pop3", "AUTH XOAUTH2 ", "+ ", "foo", "-ERR invalid command")]
    [InlineData("smtp", "AUTH XOAUTH2 ", "334 ", "foo", "500 5.5.1 Invalid command")]
    public async Task WithoutAuthWaitTheAnswerGetsTheFailureOrInvalidCommandReplyThenTheClose(
        string listener, string command, string continuation, string answer, string reply)
    {
        await using var client = await ConnectAsync(listener);
        var response = command.Contains("XOAUTH2", StringComparison.Ordinal) ? XOAuth2("alice", "saslfail") : OAuthBearer("alice", "saslfail");
        await client.SendAsync(command + response + "\r\n");
        Assert.Equal(continuation + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync(answer + "\r\n");
        Assert.Equal(reply, await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task ImapWithAuthWaitWaitsThenGoesOnAfterEitherAnswerAndLogsInLater()
    {
        await using var client = await ConnectAsync("imap");
        var started = Stopwatch.StartNew();
        await client.SendAsync($"a AUTHENTICATE OAUTHBEARER {OAuthBearer("alice", "saslwait")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.9), $"challenge after {started.Elapsed}");
        await client.SendAsync("AQ==\r\n");
        Assert.Equal("a NO auth-failed", await client.ReadLineAsync());

        await client.SendAsync($"b AUTHENTICATE XOAUTH2 {XOAuth2("alice", "saslwait")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync("foo\r\n");
        Assert.Equal("b BAD invalid command", await client.ReadLineAsync());

        // freenginx's XOAUTH2 answer: an empty line.
        await client.SendAsync($"c AUTHENTICATE XOAUTH2 {XOAuth2("alice", "saslwait")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync("\r\n");
        Assert.Equal("c NO auth-failed", await client.ReadLineAsync());

        await client.SendAsync("d AUTHENTICATE OAUTHBEARER\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(OAuthBearer("alice", "ok-after-error") + "\r\n");
        Assert.Matches("^d OK .*Logged in", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Pop3WithAuthWaitTakesTheCancelAndGoesOn()
    {
        await using var client = await ConnectAsync("pop3");
        await client.SendAsync($"AUTH XOAUTH2 {XOAuth2("alice", "saslwait")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync("*\r\n");
        Assert.Equal("-ERR auth-failed", await client.ReadLineAsync());
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "saslwait")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync("foo\r\n");
        Assert.Equal("-ERR invalid command", await client.ReadLineAsync());
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "ok-pop3-after-error")}\r\n");
        Assert.Matches("^\\+OK .*Logged in", await client.ReadLineAsync());
    }

    [Fact]
    public async Task SmtpWithAuthWaitGoesOnAndInvalidAnswersCountTowardMaxErrors()
    {
        await using var client = await ConnectAsync("smtperrors");
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "saslwait")}\r\n");
        Assert.Equal("334 " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync("AQ==\r\n");
        Assert.Equal("535 5.7.0 auth-failed", await client.ReadLineAsync());
        // max_errors 2: the dummy answer counted nothing; two invalid answers close the session, the second still answered.
        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync($"AUTH XOAUTH2 {XOAuth2("alice", "saslwait")}\r\n");
            Assert.Equal("334 " + SaslErrorJson, await client.ReadLineAsync());
            await client.SendAsync("not the dummy\r\n");
            Assert.Equal("500 5.5.1 Invalid command", await client.ReadLineAsync());
        }
        Assert.True(await client.IsClosedAsync());

        await using var next = await ConnectAsync("smtp");
        await next.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "saslwait")}\r\n");
        Assert.Equal("334 " + SaslErrorJson, await next.ReadLineAsync());
        await next.SendAsync("\r\n");
        Assert.Equal("535 5.7.0 auth-failed", await next.ReadLineAsync());
        await next.SendAsync($"AUTH XOAUTH2 {XOAuth2("alice", "ok-smtp-after-error")}\r\n");
        Assert.Equal("235 2.0.0 OK", await next.ReadLineAsync());
    }

    [Fact]
    public async Task AClientThatLeavesDuringTheExchangeIsClosed()
    {
        // From an address of its own, so its session's closing line is told apart from any other.
        var address = System.Net.IPAddress.Parse("127.0.0.77");
        bool Closed() => fixture.Proxy.Logs.Lines.Any(l => l.Contains("session closed (client_closed)", StringComparison.Ordinal) && l.Contains("client 127.0.0.77:", StringComparison.Ordinal));
        await using (var client = await LineClient.ConnectFromAsync(address, fixture.Proxy.Port("imap"), TestContext.Current.CancellationToken))
        {
            Assert.NotNull(await client.ReadLineAsync());
            await client.SendAsync($"a AUTHENTICATE OAUTHBEARER {OAuthBearer("alice", "saslfail")}\r\n");
            Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        }
        await Eventually.AssertAsync(Closed, "the session's closing line", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ALongAnswerIsTakenUpToSaslOauthBuffer()
    {
        // The answer is read with the bearer-token limit (16k), not the listener's 1k client buffer.
        await using var client = await ConnectAsync("pop3");
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "saslfail")}\r\n");
        Assert.Equal("+ " + SaslErrorJson, await client.ReadLineAsync());
        await client.SendAsync(new string('A', 8000) + "\r\n");
        Assert.Equal("-ERR invalid command", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, l => l.Contains("too long", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoTokenReachesTheLog()
    {
        await using var client = await ConnectAsync("imap");
        await client.SendAsync($"a AUTHENTICATE XOAUTH2 {XOAuth2("alice", "ok-secret-token-in-no-log")}\r\n");
        Assert.Matches("^a OK .*Logged in", await client.ReadLineAsync());
        await client.SendAsync($"b AUTHENTICATE XOAUTH2 {XOAuth2("alice", "saslfail")}\r\n");
        Assert.DoesNotContain(fixture.Proxy.Logs.Lines, l => l.Contains("ok-secret-token-in-no-log", StringComparison.Ordinal)
            || l.Contains(XOAuth2("alice", "ok-secret-token-in-no-log"), StringComparison.Ordinal));
    }
}
