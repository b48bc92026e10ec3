using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Infrastructure;

/// <summary>
/// The bearer-token servers themselves, without the proxy: Dovecot's oauth2 passdb and Postfix's Dovecot SASL take MailKit's
/// XOAUTH2 and OAUTHBEARER logins with a 6 KB token checked at the test auth server's introspection endpoint, and refuse a
/// wrong token with the RFC 7628 JSON challenge.
/// </summary>
public sealed class OAuthBackendsTests(OAuthBackendsFixture fixture) : IClassFixture<OAuthBackendsFixture>
{
    private OAuthBackends Backends => fixture.Backends;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SaslMechanism Mechanism(string name, string? token = null) =>
        OAuthSasl.MailKitMechanism(name, OAuthBackends.User, token ?? Backends.Token);

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Imap_logs_in_with_a_6KB_token_and_selects_the_inbox(string mechanism)
    {
        var before = Backends.Auth.Introspection.TimesIntrospected(Backends.Token);
        using var client = new ImapClient();
        await client.ConnectAsync(Backends.Dovecot.Host, Backends.Dovecot.ImapPort, SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(Mechanism(mechanism), Ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        await client.DisconnectAsync(true, Ct);

        Assert.Equal(6000, Backends.Token.Length);
        Assert.Equal(before + 1, Backends.Auth.Introspection.TimesIntrospected(Backends.Token));
        Assert.Contains($"Login: user=<{OAuthBackends.User}>, method={mechanism}", Backends.Dovecot.ReadLog(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Pop3_logs_in_with_a_6KB_token(string mechanism)
    {
        using var client = new Pop3Client();
        await client.ConnectAsync(Backends.Dovecot.Host, Backends.Dovecot.Pop3Port, SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(Mechanism(mechanism), Ct);
        Assert.Equal(0, await client.GetMessageCountAsync(Ct));
        await client.DisconnectAsync(true, Ct);
        Assert.Contains($"pop3-login: Info: Login: user=<{OAuthBackends.User}>, method={mechanism}", Backends.Dovecot.ReadLog(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Smtp_through_dovecot_sasl_logs_in_with_a_1KB_token_and_sends(string mechanism)
    {
        // MailKit puts the initial response on the AUTH line, which stock Postfix cuts at line_length_limit (2048):
        // a token that fits (the 6 KB one is refused, below).
        var token = BearerToken.Create(1000);
        Backends.Auth.Introspection.AddToken(token, OAuthBackends.User);
        var id = Guid.NewGuid().ToString("N");
        using var client = new SmtpClient();
        await client.ConnectAsync(Backends.Postfix.Host, Backends.Postfix.Port, SecureSocketOptions.None, Ct);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        await client.AuthenticateAsync(Mechanism(mechanism, token), Ct);
        await client.SendAsync(new MimeMessage(
            [new MailboxAddress("Alice", "alice@" + PostfixServer.Domain)], [new MailboxAddress("Bob", "bob@" + PostfixServer.Domain)],
            id, new TextPart("plain") { Text = "sent with " + mechanism }), Ct);
        await client.DisconnectAsync(true, Ct);

        await Backends.Postfix.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal));
        await Backends.Postfix.WaitForLogLineAsync(l => l.Contains($"sasl_method={mechanism}, sasl_username={OAuthBackends.User}", StringComparison.Ordinal));
    }

    /// <summary>
    /// Why the proxy sends a long token after the empty 334 challenge (SmtpUpstreamLogin): stock Postfix reads a command line
    /// up to line_length_limit (2048, postconf(5)) and refuses an AUTH line whose initial response carries a 6 KB token.
    /// </summary>
    [Fact]
    public async Task Stock_postfix_refuses_an_auth_line_longer_than_its_line_length_limit()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(Backends.Postfix.Host, Backends.Postfix.Port, SecureSocketOptions.None, Ct);
        var refused = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Mechanism("XOAUTH2"), Ct));
        Assert.Contains("Invalid base64 data in initial response", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Mailkit_refuses_a_wrong_token_on_every_protocol(string mechanism)
    {
        var wrong = BearerToken.Create();
        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync(Backends.Dovecot.Host, Backends.Dovecot.ImapPort, SecureSocketOptions.None, Ct);
            await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync(Mechanism(mechanism, wrong), Ct));
        }

        using (var pop3 = new Pop3Client())
        {
            // MailKit's Pop3Client (4.18) stops reading once its mechanism has sent its one message, so the error
            // challenge ("+ <json>") ends the exchange as a protocol error instead of an authentication failure; the
            // whole exchange, "-ERR" included, is in Pop3_wrong_token_gets_the_rfc7628_json_challenge_then_err.
            await pop3.ConnectAsync(Backends.Dovecot.Host, Backends.Dovecot.Pop3Port, SecureSocketOptions.None, Ct);
            await Assert.ThrowsAsync<Pop3ProtocolException>(() => pop3.AuthenticateAsync(Mechanism(mechanism, wrong), Ct));
        }

        // A token short enough for stock Postfix's AUTH line (see Stock_postfix_refuses_an_auth_line_longer_than_its_line_length_limit).
        var wrongShort = BearerToken.Create(1000);
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync(Backends.Postfix.Host, Backends.Postfix.Port, SecureSocketOptions.None, Ct);
            await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(Mechanism(mechanism, wrongShort), Ct));
        }

        Assert.Equal(2, Backends.Auth.Introspection.TimesIntrospected(wrong));
        Assert.Equal(1, Backends.Auth.Introspection.TimesIntrospected(wrongShort));
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Imap_wrong_token_gets_the_rfc7628_json_challenge_then_no(string mechanism)
    {
        await using var c = await LineClient.ConnectAsync(Backends.Dovecot.ImapPort);
        Assert.StartsWith("* OK ", await c.ReadLineAsync());
        var (json, reply) = await OAuthSasl.ErrorExchangeAsync(c, $"a AUTHENTICATE {mechanism} {WrongTokenResponse(mechanism)}", "+ ");
        Assert.Contains("\"status\":", json, StringComparison.Ordinal);
        Assert.Equal("a NO [AUTHENTICATIONFAILED] Authentication failed.", reply);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Pop3_wrong_token_gets_the_rfc7628_json_challenge_then_err(string mechanism)
    {
        await using var c = await LineClient.ConnectAsync(Backends.Dovecot.Pop3Port);
        Assert.StartsWith("+OK ", await c.ReadLineAsync());
        var (json, reply) = await OAuthSasl.ErrorExchangeAsync(c, $"AUTH {mechanism} {WrongTokenResponse(mechanism)}", "+ ");
        Assert.Contains("\"status\":", json, StringComparison.Ordinal);
        Assert.Equal("-ERR [AUTH] Authentication failed.", reply);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Smtp_wrong_token_gets_the_rfc7628_json_challenge_then_535(string mechanism)
    {
        await using var c = await LineClient.ConnectAsync(Backends.Postfix.Port);
        Assert.StartsWith("220 ", await c.ReadLineAsync());
        await c.SendAsync("EHLO client.test\r\n");
        Assert.Contains("250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER", await c.ReadUntilAsync("250 "));
        var (json, reply) = await OAuthSasl.ErrorExchangeAsync(c, $"AUTH {mechanism} {WrongTokenResponse(mechanism)}", "334 ");
        Assert.Contains("\"status\":", json, StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8 ", reply);
    }

    private static string WrongTokenResponse(string mechanism) => OAuthSasl.InitialResponse(mechanism, OAuthBackends.User, "wrong-token");
}
