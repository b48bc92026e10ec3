using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Sasl.BearerTokenProxyFixture;

namespace OrleansMail.Tests.Sasl;

/// <summary>
/// What each protocol advertises and accepts before and after TLS: with sasl_oauth_plaintext off the bearer-token
/// mechanisms appear only under TLS and are refused before it as a disabled mechanism is; with it on, both ways.
/// Logins go through to real Dovecot and Postfix.
/// </summary>
public sealed class BearerTokenCapabilityTests(BearerTokenProxyFixture fixture) : IClassFixture<BearerTokenProxyFixture>
{
    private Task<LineClient> ConnectAsync(string listener) => fixture.ConnectAsync(listener, ehlo: false);

    [Fact]
    public async Task ImapAdvertisesAndAcceptsThemOnlyUnderTlsByDefault()
    {
        await using var client = await ConnectAsync("imapoff");
        await client.SendAsync("a CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN STARTTLS", "a OK completed"], await client.ReadUntilAsync("a "));
        await client.SendAsync($"b AUTHENTICATE XOAUTH2 {XOAuth2("alice", "ok-1")}\r\n");
        Assert.Equal("b BAD invalid command", await client.ReadLineAsync());
        // Refused before any challenge: the token is never asked for in plaintext.
        await client.SendAsync("c AUTHENTICATE OAUTHBEARER\r\n");
        Assert.Equal("c BAD invalid command", await client.ReadLineAsync());
        await client.SendAsync("d STARTTLS\r\n");
        Assert.Equal("d OK completed", await client.ReadLineAsync());
        await client.StartTlsAsync(fixture.Pki);
        await client.SendAsync("e CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER", "e OK completed"], await client.ReadUntilAsync("e "));
        await client.SendAsync($"f AUTHENTICATE OAUTHBEARER {OAuthBearer("alice", "ok-imap-tls")}\r\n");
        Assert.Matches("^f OK .*Logged in", await client.ReadLineAsync());
        var request = fixture.Auth.Requests.Last(r => r.Decoded("Auth-Pass") == "ok-imap-tls");
        Assert.Equal(("oauthbearer", "alice", "imap"), (request["Auth-Method"], request.Decoded("Auth-User"), request["Auth-Protocol"]));
        Assert.DoesNotContain(fixture.Auth.Requests, r => r.Decoded("Auth-Pass") == "ok-1");
    }

    [Fact]
    public async Task ImapWithPlaintextOnAdvertisesAndAcceptsThemBeforeTls()
    {
        await using var client = await ConnectAsync("imap");
        await client.SendAsync("a CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER STARTTLS", "a OK completed"], await client.ReadUntilAsync("a "));
        await client.SendAsync("b AUTHENTICATE XOAUTH2\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(XOAuth2("alice", "ok-imap-plain") + "\r\n");
        Assert.Matches("^b OK .*Logged in", await client.ReadLineAsync());
        Assert.Equal("xoauth2", fixture.Auth.Requests.Last(r => r.Decoded("Auth-Pass") == "ok-imap-plain")["Auth-Method"]);
    }

    [Fact]
    public async Task Pop3AdvertisesAndAcceptsThemOnlyUnderTlsByDefault()
    {
        await using var client = await ConnectAsync("pop3off");
        await client.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", "STLS", "."], await client.ReadUntilAsync("."));
        await client.SendAsync("AUTH\r\n");
        Assert.Equal(["+OK methods supported:", "PLAIN", "LOGIN", "."], await client.ReadUntilAsync("."));
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "ok-1")}\r\n");
        Assert.Equal("-ERR invalid command", await client.ReadLineAsync());
        // nginx's CAPA after USER (no STLS) does not show them either.
        await client.SendAsync("USER alice\r\n");
        Assert.Equal("+OK", await client.ReadLineAsync());
        await client.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN", "."], await client.ReadUntilAsync("."));
        await client.SendAsync("QUIT\r\n");

        await using var tls = await ConnectAsync("pop3off");
        await tls.SendAsync("STLS\r\n");
        Assert.Equal("+OK", await tls.ReadLineAsync());
        await tls.StartTlsAsync(fixture.Pki);
        await tls.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN XOAUTH2 OAUTHBEARER", "."], await tls.ReadUntilAsync("."));
        await tls.SendAsync("AUTH\r\n");
        Assert.Equal(["+OK methods supported:", "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER", "."], await tls.ReadUntilAsync("."));
        await tls.SendAsync($"AUTH XOAUTH2 {XOAuth2("alice", "ok-pop3-tls")}\r\n");
        Assert.Matches("^\\+OK .*Logged in", await tls.ReadLineAsync());
    }

    [Fact]
    public async Task Pop3WithPlaintextOnAdvertisesAndAcceptsThemBeforeTls()
    {
        await using var client = await ConnectAsync("pop3");
        await client.SendAsync("CAPA\r\n");
        Assert.Equal(["+OK Capability list follows", "TOP", "USER", "UIDL", "SASL PLAIN LOGIN XOAUTH2 OAUTHBEARER", "STLS", "."], await client.ReadUntilAsync("."));
        await client.SendAsync("AUTH OAUTHBEARER\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(OAuthBearer("alice", "ok-pop3-plain") + "\r\n");
        Assert.Matches("^\\+OK .*Logged in", await client.ReadLineAsync());
    }

    [Fact]
    public async Task SmtpAdvertisesAndAcceptsThemOnlyUnderTlsByDefault()
    {
        await using var client = await ConnectAsync("smtpoff");
        await client.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250-AUTH PLAIN LOGIN", "250 STARTTLS"], await client.ReadUntilAsync("250 "));
        await client.SendAsync($"AUTH XOAUTH2 {XOAuth2("alice", "ok-1")}\r\n");
        Assert.Equal("500 5.5.1 Invalid command", await client.ReadLineAsync());
        await client.SendAsync("STARTTLS\r\n");
        Assert.Equal("220 2.0.0 Start TLS", await client.ReadLineAsync());
        await client.StartTlsAsync(fixture.Pki);
        await client.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER"], await client.ReadUntilAsync("250 "));
        await client.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice", "ok-smtp-tls")}\r\n");
        Assert.Equal("235 2.0.0 OK", await client.ReadLineAsync());
    }

    [Fact]
    public async Task SmtpWithPlaintextOnAndSmtpAuthNoneAcceptsThemBeforeTls()
    {
        await using var client = await ConnectAsync("smtp");
        await client.SendAsync("EHLO client.example\r\n");
        Assert.Equal(["250-proxy.test", "250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER", "250 STARTTLS"], await client.ReadUntilAsync("250 "));
        await client.SendAsync("AUTH XOAUTH2\r\n");
        Assert.Equal("334 ", await client.ReadLineAsync());
        await client.SendAsync(XOAuth2("alice", "ok-smtp-plain") + "\r\n");
        Assert.Equal("235 2.0.0 OK", await client.ReadLineAsync());
        Assert.Equal("xoauth2", fixture.Auth.Requests.Last(r => r.Decoded("Auth-Pass") == "ok-smtp-plain")["Auth-Method"]);
    }
}
