using MailKit.Net.Pop3;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// XOAUTH2 and OAUTHBEARER on POP3 through the proxy to Dovecot's oauth2 passdb, with a 6 KB token (far beyond nginx's
/// 128-byte POP3 line): the auth server sees the mechanism, user and token; the proxy logs in upstream with AUTH and the
/// same mechanism (Dovecot's CAPA has SASL … XOAUTH2 OAUTHBEARER); a wrong token gets the auth server's JSON as the
/// error challenge, then -ERR.
/// </summary>
public sealed class OAuthPop3Tests(OAuthProxyFixture fixture) : OAuthProxyTestBase(fixture)
{
    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task MailKit_logs_in_with_a_6KB_token_passed_on_to_dovecot_and_gets_stat(string mechanism)
    {
        var before = Counts();
        var logins = Fixture.DovecotLogins("pop3-login", mechanism);

        using var client = new Pop3Client();
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port("pop3"), SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, Backends.Token), Ct);
        Assert.Equal(0, await client.GetMessageCountAsync(Ct)); // STAT
        await client.DisconnectAsync(true, Ct);

        AssertTokenPassedOn(before, mechanism, "pop3");
        await Fixture.AssertDovecotLoginsAsync("pop3-login", mechanism, logins + 1);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task MailKit_is_refused_a_wrong_token(string mechanism)
    {
        var wrong = BearerToken.Create();
        var before = Fixture.Auth.RequestCount;

        using var client = new Pop3Client();
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port("pop3"), SecureSocketOptions.None, Ct);
        // MailKit's Pop3Client (4.18) stops at the error challenge once its mechanism has sent its one message, so it
        // reports a protocol error rather than an AuthenticationException (the same against Dovecot itself:
        // Infrastructure/OAuthBackendsTests); the transcript below shows the whole exchange.
        await Assert.ThrowsAsync<Pop3ProtocolException>(() =>
            client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, wrong), Ct));
        AssertRefusedByTheAuthServer(before, mechanism, "pop3", wrong);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Transcript_wrong_token_gets_the_auth_servers_json_then_err_and_the_right_token_logs_in(string mechanism)
    {
        var (json, answer) = Fixture.UseOwnErrorJson();
        using var _ = answer;
        await using var c = await Pop3Wire.OpenAsync(Fixture.Proxy.Port("pop3"));

        await c.ExpectAsync("CAPA\r\n", "+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN XOAUTH2 OAUTHBEARER", ".");
        var wrong = OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, BearerToken.Create());
        var (sent, reply) = await OAuthSasl.ErrorExchangeAsync(c, $"AUTH {mechanism} {wrong}", "+ ");
        Assert.Equal(json, sent);
        Assert.Equal($"-ERR {OAuthProxyFixture.RefusalMessage}", reply);

        // The right token after an empty "+ " challenge (RFC 5034 §4), then a command on Dovecot's session.
        await c.ExpectAsync($"AUTH {mechanism}\r\n", "+ ");
        await c.SendAsync(OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token) + "\r\n");
        Pop3Wire.AssertLoggedIn(await c.ReadLineAsync(TimeSpan.FromSeconds(10)));
        await c.ExpectAsync("STAT\r\n", "+OK 0 0");
    }
}
