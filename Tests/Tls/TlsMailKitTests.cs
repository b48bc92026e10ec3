using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace OrleansMail.Tests.Tls;

/// <summary>MailKit over implicit TLS and STARTTLS on all three protocols, through the proxy to Dovecot and Postfix.</summary>
public sealed class TlsMailKitTests(TlsProxyFixture fixture) : IClassFixture<TlsProxyFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private bool Pinned(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) =>
        fixture.Pki.ValidateServer(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2);

    [Theory]
    [InlineData("imaps", SecureSocketOptions.SslOnConnect)]
    [InlineData("imaptls", SecureSocketOptions.StartTls)]
    [InlineData("imaponly", SecureSocketOptions.StartTls)]
    public async Task ImapLogsInOverTlsAndTheAuthServerHearsOfIt(string listener, SecureSocketOptions security)
    {
        var before = fixture.Auth.RequestCount;
        using var client = new ImapClient { Timeout = 30_000, ServerCertificateValidationCallback = Pinned };
        await client.ConnectAsync("localhost", fixture.Proxy.Port(listener), security, Timeout);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        var inbox = await client.GetFolderAsync("INBOX", Timeout);
        await inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Timeout);
        await client.DisconnectAsync(true, Timeout);

        var request = fixture.Auth.Requests.Skip(before).Last();
        Assert.Equal("on", request["Auth-SSL"]);
        Assert.Equal("TLSv1.3", request["Auth-SSL-Protocol"]);
        Assert.StartsWith("TLS_", request["Auth-SSL-Cipher"]);
        Assert.False(request.Has("Auth-SSL-Verify"));
    }

    [Theory]
    [InlineData("pop3s", SecureSocketOptions.SslOnConnect)]
    [InlineData("pop3tls", SecureSocketOptions.StartTls)]
    [InlineData("pop3only", SecureSocketOptions.StartTls)]
    public async Task Pop3LogsInOverTls(string listener, SecureSocketOptions security)
    {
        using var client = new Pop3Client { Timeout = 30_000, ServerCertificateValidationCallback = Pinned };
        await client.ConnectAsync("localhost", fixture.Proxy.Port(listener), security, Timeout);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        await client.GetMessageCountAsync(Timeout);
        await client.DisconnectAsync(true, Timeout);
        Assert.Equal("on", fixture.Auth.Requests.Last()["Auth-SSL"]);
    }

    [Theory]
    [InlineData("smtps", SecureSocketOptions.SslOnConnect)]
    [InlineData("smtptls", SecureSocketOptions.StartTls)]
    [InlineData("smtponly", SecureSocketOptions.StartTls)]
    public async Task SmtpAuthenticatesAndSendsOverTls(string listener, SecureSocketOptions security)
    {
        using var client = new SmtpClient { LocalDomain = "mailkit.example", Timeout = 30_000, ServerCertificateValidationCallback = Pinned };
        await client.ConnectAsync("localhost", fixture.Proxy.Port(listener), security, Timeout);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice", "alice@sender.example"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.test"));
        message.Subject = "over TLS " + Guid.NewGuid();
        message.Body = new TextPart("plain") { Text = "sent through OrleansMail's TLS front door" };
        await client.SendAsync(message, Timeout);
        await client.DisconnectAsync(true, Timeout);
        Assert.Equal("on", fixture.Auth.Requests.Last()["Auth-SSL"]);
    }
}
