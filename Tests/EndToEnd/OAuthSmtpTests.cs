using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.EndToEnd.SmtpWire;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// XOAUTH2 and OAUTHBEARER on SMTP through the proxy to Postfix with Dovecot SASL, with a 6 KB token: the auth server sees
/// the mechanism, user and token; with proxy_smtp_auth on the proxy logs in to Postfix with the same mechanism and the
/// token (Postfix's EHLO offers it), which Dovecot checks at the introspection endpoint; a wrong token gets the auth server's
/// JSON as the <c>334</c> error challenge, then 535.
/// </summary>
public sealed class OAuthSmtpTests(OAuthProxyFixture fixture) : OAuthProxyTestBase(fixture)
{
    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task MailKit_logs_in_with_a_6KB_token_passed_on_to_postfix_and_sends_a_message(string mechanism)
    {
        var before = Counts();
        var id = Guid.NewGuid().ToString("N");

        using var client = new SmtpClient { LocalDomain = "mailkit.example" };
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port("smtp"), SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, Backends.Token), Ct);
        await client.SendAsync(new MimeMessage(
            [new MailboxAddress("Alice", "alice@" + PostfixServer.Domain)], [new MailboxAddress("Bob", "bob@" + PostfixServer.Domain)],
            id, new TextPart("plain") { Text = "sent through the proxy with " + mechanism }), Ct);
        await client.DisconnectAsync(true, Ct);

        AssertTokenPassedOn(before, mechanism, "smtp");
        var delivered = await Backends.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal));
        Assert.Contains("sent through the proxy with " + mechanism, delivered);
        // Postfix authenticated the proxy's AUTH with the client's mechanism, through Dovecot, which checked the token.
        await Backends.Postfix.WaitForLogLineAsync(l => l.Contains($"sasl_method={mechanism}, sasl_username={OAuthBackends.User}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task MailKit_gets_an_authentication_failure_for_a_wrong_token(string mechanism)
    {
        var wrong = BearerToken.Create();
        var before = Fixture.Auth.RequestCount;

        using var client = new SmtpClient { LocalDomain = "mailkit.example" };
        await client.ConnectAsync(ServerProcess.LoopbackHost, Fixture.Proxy.Port("smtp"), SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            client.AuthenticateAsync(OAuthSasl.MailKitMechanism(mechanism, OAuthBackends.User, wrong), Ct));
        AssertRefusedByTheAuthServer(before, mechanism, "smtp", wrong);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Transcript_wrong_token_gets_the_auth_servers_json_then_535_and_the_right_token_sends(string mechanism)
    {
        var (json, answer) = Fixture.UseOwnErrorJson();
        using var _ = answer;
        await using var c = await SmtpWire.OpenAsync(Fixture.Proxy.Port("smtp"));
        await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER");

        var wrong = OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, BearerToken.Create());
        var (sent, reply) = await OAuthSasl.ErrorExchangeAsync(c, $"AUTH {mechanism} {wrong}", "334 ");
        Assert.Equal(json, sent);
        Assert.Equal($"535 5.7.0 {OAuthProxyFixture.RefusalMessage}", reply);

        // The right token after an empty "334 " challenge (RFC 4954 §4), then a message through Postfix.
        await c.SendAsync($"AUTH {mechanism}\r\n");
        Assert.Equal("334 ", await c.ReadLineAsync());
        await c.SendAsync(OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, Backends.Token) + "\r\n");
        Assert.Equal("235 2.0.0 OK", await c.ReadLineAsync(TimeSpan.FromSeconds(10)));
        var (id, body) = NewMessage();
        await SendMessageAsync(c, "alice@" + PostfixServer.Domain, "bob@" + PostfixServer.Domain, id, body);
        await Backends.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal));
    }
}
