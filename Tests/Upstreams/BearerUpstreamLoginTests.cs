using System.Net;
using System.Net.Sockets;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Imap;
using OrleansMail.Frontend.Pop3;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Smtp;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Upstreams;

/// <summary>
/// The upstream login of an XOAUTH2/OAUTHBEARER client (proxy_oauth_login) against real Dovecot (oauth2 passdb, token
/// checked at the test auth server's introspection endpoint) and Postfix with Dovecot SASL, every byte the proxy sends
/// recorded on the way: the client's token passed on with the mechanism the upstream advertises, an error challenge
/// answered AQ==, the password login with Auth-Pass otherwise, and no login at all when there is neither.
/// </summary>
public sealed class BearerUpstreamLoginTests(OAuthBackendsFixture fixture) : IClassFixture<OAuthBackendsFixture>
{
    private const int MaxLine = 65536;

    private OAuthBackends Backends => fixture.Backends;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<UpstreamConnection> ConnectAsync(int port, UpstreamOAuthLogin mode = UpstreamOAuthLogin.Token)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
        return new UpstreamConnection(socket, "127.0.0.1", UpstreamSettings.Default with { OAuthLogin = mode });
    }

    private static UpstreamBearerLogin Bearer(string mechanism, string token, UpstreamOAuthLogin mode = UpstreamOAuthLogin.Token) =>
        UpstreamBearerLogin.For(mechanism == "XOAUTH2" ? AuthMethod.XOAuth2 : AuthMethod.OAuthBearer, token, UpstreamSettings.Default with { OAuthLogin = mode })!;

    private static SmtpUpstreamPlan SmtpPlan(string password, UpstreamBearerLogin bearer) =>
        new("proxy.test", "client.example", ClientUsedEhlo: true, Xclient: false, ProxySmtpAuth: true, "127.0.0.1", null, null, "[UNAVAILABLE]",
            OAuthBackends.User, password, MailFrom: null, RcptTo: null, bearer);

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task ImapPassesTheTokenOnWithSaslIr(string mechanism)
    {
        var introspected = Backends.Auth.Introspection.TimesIntrospected(Backends.Token);
        await using var relay = new RecordingRelay(Backends.Dovecot.ImapPort);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await ImapUpstreamLogin.LoginAsync(upstream, "a1", OAuthBackends.User, "", Bearer(mechanism, Backends.Token), MaxLine, null, Ct);

        Assert.True(result.Succeeded, result.Reply + Backends.Diagnostics());
        Assert.StartsWith("a1 OK ", result.Reply, StringComparison.Ordinal);
        Assert.Equal($"a1 AUTHENTICATE {mechanism} {OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token)}\r\n", relay.Sent);
        // Dovecot checked the token passed on at the introspection endpoint.
        Assert.Equal(introspected + 1, Backends.Auth.Introspection.TimesIntrospected(Backends.Token));
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task ImapAnswersTheErrorChallengeOfAWrongTokenAndFails(string mechanism)
    {
        var wrong = BearerToken.Create(200);
        await using var relay = new RecordingRelay(Backends.Dovecot.ImapPort);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await ImapUpstreamLogin.LoginAsync(upstream, "a1", OAuthBackends.User, "", Bearer(mechanism, wrong), MaxLine, null, Ct);

        Assert.False(result.Succeeded);
        Assert.StartsWith("a1 NO ", result.Reply, StringComparison.Ordinal);
        Assert.Null(result.Impossible);
        Assert.Equal($"a1 AUTHENTICATE {mechanism} {OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, wrong)}\r\nAQ==\r\n", relay.Sent);
    }

    [Fact]
    public async Task ImapWithProxyOAuthLoginPasswordLogsInWithAuthPass()
    {
        await using var relay = new RecordingRelay(Backends.Dovecot.ImapPort);
        await using var upstream = await ConnectAsync(relay.Port, UpstreamOAuthLogin.Password);

        var result = await ImapUpstreamLogin.LoginAsync(upstream, "a1", OAuthBackends.User, OAuthBackends.Password,
            Bearer("XOAUTH2", Backends.Token, UpstreamOAuthLogin.Password), MaxLine, null, Ct);

        Assert.True(result.Succeeded, result.Reply);
        // Dovecot's greeting advertises LITERAL+: the literals go in one write.
        Assert.Equal($"a1 LOGIN {{5+}}\r\nalice {{14+}}\r\nalice-password\r\n", relay.Sent);
    }

    [Fact]
    public async Task ImapWithProxyOAuthLoginPasswordAndNoAuthPassDoesNotTry()
    {
        await using var relay = new RecordingRelay(Backends.Dovecot.ImapPort);
        await using var upstream = await ConnectAsync(relay.Port, UpstreamOAuthLogin.Password);

        var result = await ImapUpstreamLogin.LoginAsync(upstream, "a1", OAuthBackends.User, "", Bearer("XOAUTH2", Backends.Token, UpstreamOAuthLogin.Password), MaxLine, null, Ct);

        Assert.Equal(UpstreamLoginResult.NotAttempted("proxy_oauth_login is password and the auth server returned no Auth-Pass"), result);
        Assert.Equal("", relay.Sent);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Pop3PassesTheTokenOnWhenCapaListsTheMechanism(string mechanism)
    {
        await using var relay = new RecordingRelay(Backends.Dovecot.Pop3Port);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await Pop3UpstreamLogin.LoginAsync(upstream, OAuthBackends.User, "", Bearer(mechanism, Backends.Token), MaxLine, Ct);

        Assert.True(result.Succeeded, result.Reply + Backends.Diagnostics());
        Assert.StartsWith("+OK", result.Reply, StringComparison.Ordinal);
        // A 6 KB token makes the AUTH line far longer than RFC 5034's 255 octets: the message follows the empty "+ " challenge.
        Assert.Equal($"CAPA\r\nAUTH {mechanism}\r\n{OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token)}\r\n", relay.Sent);
    }

    [Fact]
    public async Task Pop3AnswersTheErrorChallengeOfAWrongTokenAndFails()
    {
        // Short enough for the AUTH line to stay within RFC 5034's 255 octets: the initial response goes on the line.
        var wrong = BearerToken.Create(40);
        await using var relay = new RecordingRelay(Backends.Dovecot.Pop3Port);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await Pop3UpstreamLogin.LoginAsync(upstream, OAuthBackends.User, "", Bearer("OAUTHBEARER", wrong), MaxLine, Ct);

        Assert.False(result.Succeeded);
        Assert.StartsWith("-ERR", result.Reply, StringComparison.Ordinal);
        Assert.Equal($"CAPA\r\nAUTH OAUTHBEARER {OAuthSasl.InitialResponse("OAUTHBEARER", OAuthBackends.User, wrong)}\r\nAQ==\r\n", relay.Sent);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task SmtpPassesTheTokenOnWhereProxySmtpAuthLogsIn(string mechanism)
    {
        await using var relay = new RecordingRelay(Backends.Postfix.Port);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await SmtpUpstreamLogin.LoginAsync(upstream, SmtpPlan("", Bearer(mechanism, Backends.Token)), MaxLine, Ct);

        Assert.True(result.Succeeded, result.Reply + Backends.Diagnostics());
        Assert.Equal(SmtpReplies.AuthSucceeded, result.Reply);
        // A 6 KB token makes the AUTH line longer than RFC 5321's 512 octets (and Postfix's default line_length_limit, 2048):
        // the message follows the empty 334 challenge.
        Assert.Equal($"EHLO proxy.test\r\nAUTH {mechanism}\r\n{OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token)}\r\n", relay.Sent);
    }

    [Fact]
    public async Task SmtpAnswersTheErrorChallengeOfAWrongTokenAndFails()
    {
        var wrong = BearerToken.Create(200);
        await using var relay = new RecordingRelay(Backends.Postfix.Port);
        await using var upstream = await ConnectAsync(relay.Port);

        var result = await SmtpUpstreamLogin.LoginAsync(upstream, SmtpPlan("", Bearer("XOAUTH2", wrong)), MaxLine, Ct);

        Assert.False(result.Succeeded);
        Assert.StartsWith("535 ", result.Reply, StringComparison.Ordinal);
        Assert.Equal($"EHLO proxy.test\r\nAUTH XOAUTH2 {OAuthSasl.InitialResponse("XOAUTH2", OAuthBackends.User, wrong)}\r\nAQ==\r\n", relay.Sent);
    }

    [Fact]
    public async Task SmtpWithProxyOAuthLoginPasswordUsesAuthPlainWithAuthPass()
    {
        await using var relay = new RecordingRelay(Backends.Postfix.Port);
        await using var upstream = await ConnectAsync(relay.Port, UpstreamOAuthLogin.Password);

        var result = await SmtpUpstreamLogin.LoginAsync(upstream, SmtpPlan(OAuthBackends.Password, Bearer("XOAUTH2", Backends.Token, UpstreamOAuthLogin.Password)), MaxLine, Ct);

        Assert.True(result.Succeeded, result.Reply + Backends.Diagnostics());
        Assert.Equal("EHLO proxy.test\r\nAUTH PLAIN AGFsaWNlAGFsaWNlLXBhc3N3b3Jk\r\n", relay.Sent);
    }
}
