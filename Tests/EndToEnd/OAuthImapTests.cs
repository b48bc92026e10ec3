using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// XOAUTH2 and OAUTHBEARER on IMAP through the proxy to Dovecot's oauth2 passdb, with a 6 KB token: the auth server is
/// asked with Auth-Method xoauth2/oauthbearer, Auth-User and the token as Auth-Pass (freenginx 1.27.1); the proxy logs in
/// upstream with the same mechanism and the token (Dovecot advertises it), which Dovecot checks at the introspection
/// endpoint; a wrong token gets the auth server's Auth-Error-SASL JSON as the RFC 7628 §3.2.2 error challenge, then NO.
/// </summary>
public sealed class OAuthImapTests(OAuthProxyFixture fixture) : OAuthProxyTestBase(fixture)
{
    [Theory]
    [InlineData("imap", "XOAUTH2")]
    [InlineData("imap", "OAUTHBEARER")]
    [InlineData("imapir", "XOAUTH2")]
    [InlineData("imapir", "OAUTHBEARER")]
    public async Task MailKit_logs_in_with_a_6KB_token_passed_on_to_dovecot_and_selects_the_inbox(string listener, string mechanism)
    {
        var before = Counts();
        var logins = Fixture.DovecotLogins("imap-login", mechanism);

        using var client = new ImapClient();
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port(listener), SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, Backends.Token), Ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        Assert.Equal(0, client.Inbox.Count);
        await client.DisconnectAsync(true, Ct);

        AssertTokenPassedOn(before, mechanism, "imap");
        // Dovecot logged the user in with the client's mechanism after checking the very token the client sent.
        await Fixture.AssertDovecotLoginsAsync("imap-login", mechanism, logins + 1);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task MailKit_gets_an_authentication_failure_for_a_wrong_token_and_can_then_log_in(string mechanism)
    {
        var wrong = BearerToken.Create();
        var before = Fixture.Auth.RequestCount;

        using var client = new ImapClient();
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port("imapir"), SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, wrong), Ct));
        AssertRefusedByTheAuthServer(before, mechanism, "imap", wrong);

        // The session goes on after the refusal (RFC 7628 §3.2.3: the final reply ends the exchange, not the connection).
        await client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, Backends.Token), Ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        await client.DisconnectAsync(true, Ct);
    }

    [Theory]
    [InlineData("imapir", "XOAUTH2")]
    [InlineData("imapir", "OAUTHBEARER")]
    [InlineData("imap", "XOAUTH2")]
    [InlineData("imap", "OAUTHBEARER")]
    public async Task Transcript_wrong_token_gets_the_auth_servers_json_then_no_and_the_right_token_logs_in(string listener, string mechanism)
    {
        var (json, answer) = Fixture.UseOwnErrorJson();
        using var _ = answer;
        var wrong = OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, BearerToken.Create());
        var right = OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token);
        await using var c = await ImapWire.OpenAsync(Fixture.Proxy.Port(listener));

        // imapir: the initial response on the command line (SASL-IR, RFC 4959); imap: after an empty "+ " challenge.
        var command = $"a AUTHENTICATE {mechanism}";
        if (listener == "imapir")
        {
            command += " " + wrong;
        }
        else
        {
            await c.ExpectAsync(command + "\r\n", "+ ");
            command = wrong;
        }

        var (sent, reply) = await OAuthSasl.ErrorExchangeAsync(c, command, "+ ");
        Assert.Equal(json, sent);
        Assert.Equal($"a NO {OAuthProxyFixture.RefusalMessage}", reply);

        await c.SendAsync($"b AUTHENTICATE {mechanism} {right}\r\n");
        Assert.Matches("^b OK .*Logged in", await c.ReadLineAsync(TimeSpan.FromSeconds(10)));
        await c.SendAsync("c SELECT INBOX\r\n");
        var select = await c.ReadUntilAsync("c ");
        Assert.Contains("* 0 EXISTS", select);
        Assert.StartsWith("c OK [READ-WRITE]", select[^1]);
    }
}
