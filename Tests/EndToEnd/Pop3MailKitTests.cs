using MailKit.Net.Pop3;
using MailKit.Security;
using MimeKit;
using MimeKit.IO;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>MailKit's Pop3Client → OrleansMail → real Dovecot: what a mail client does every day.</summary>
public sealed class Pop3MailKitTests(Pop3ProxyFixture fixture) : IClassFixture<Pop3ProxyFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private async Task<Pop3Client> ConnectAsync(string listener = "pop3")
    {
        var client = new Pop3Client { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port(listener), SecureSocketOptions.None, Timeout);
        return client;
    }

    /// <summary>Stores a fresh message for <paramref name="user"/> straight into Dovecot (IMAP APPEND); returns its bytes.</summary>
    private async Task<byte[]> StoreMessageAsync(string user)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        message.To.Add(new MailboxAddress(user, $"{user}@example.com"));
        message.Subject = "through the POP3 proxy " + Guid.NewGuid();
        // Lines that start with a dot exercise RETR's dot-stuffing end to end.
        message.Body = new TextPart("plain") { Text = "Hello from Dovecot, via OrleansMail.\r\n.leading dot\r\n" + new string('x', 50_000) + "\r\n" };
        await fixture.Dovecot.AppendAsync(user, message, Timeout);
        using var bytes = new MemoryStream();
        await message.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, bytes, Timeout);
        return bytes.ToArray();
    }

    /// <summary>The raw bytes of the last message in the mailbox, as RETR returned them (MailKit undoes dot-stuffing).</summary>
    private static async Task<byte[]> RetrieveLastAsync(Pop3Client client)
    {
        var count = await client.GetMessageCountAsync(Timeout);
        Assert.True(count > 0);
        await using var stream = await client.GetStreamAsync(count - 1, cancellationToken: Timeout);
        using var bytes = new MemoryStream();
        await stream.CopyToAsync(bytes, Timeout);
        return bytes.ToArray();
    }

    [Fact]
    public async Task UserAndPassThenRetrReturnsExactlyTheStoredMessage()
    {
        var stored = await StoreMessageAsync("alice");
        using var client = await ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.User));
        Assert.False(client.Capabilities.HasFlag(Pop3Capabilities.Apop));
        // Without SASL mechanisms MailKit falls back to USER/PASS.
        client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        Assert.True(client.IsAuthenticated);
        Assert.Equal(stored, await RetrieveLastAsync(client));
        await client.DisconnectAsync(quit: true, Timeout);

        Assert.Equal("plain", fixture.Auth.Requests[^1]["Auth-Method"]);
        Assert.Equal("pop3", fixture.Auth.Requests[^1]["Auth-Protocol"]);
    }

    [Fact]
    public async Task SaslPlainAndLogin()
    {
        var stored = await StoreMessageAsync("bob");
        foreach (SaslMechanism mechanism in new SaslMechanism[] { new SaslMechanismPlain("bob", "bob-password"), new SaslMechanismLogin("bob", "bob-password") })
        {
            using var client = await ConnectAsync();
            Assert.Contains(mechanism.MechanismName, client.AuthenticationMechanisms);
            await client.AuthenticateAsync(mechanism, Timeout);
            Assert.True(client.IsAuthenticated);
            Assert.Equal(stored, await RetrieveLastAsync(client));
            await client.DisconnectAsync(quit: true, Timeout);
        }
    }

    [Fact]
    public async Task ApopWhereTheAuthServerReturnsTheClearPassword()
    {
        var stored = await StoreMessageAsync("alice");
        using var client = await ConnectAsync("mechs");
        // MailKit sees the greeting's timestamp and prefers APOP.
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Apop));
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        Assert.True(client.IsAuthenticated);
        Assert.Equal(stored, await RetrieveLastAsync(client));
        await client.DisconnectAsync(quit: true, Timeout);
        Assert.Equal("apop", fixture.Auth.Requests[^1]["Auth-Method"]);
    }

    [Fact]
    public async Task CramMd5WhereTheAuthServerReturnsTheClearPassword()
    {
        var stored = await StoreMessageAsync("bob");
        using var client = await ConnectAsync("mechs");
        Assert.Contains("CRAM-MD5", client.AuthenticationMechanisms);
        await client.AuthenticateAsync(new SaslMechanismCramMd5("bob", "bob-password"), Timeout);
        Assert.True(client.IsAuthenticated);
        Assert.Equal(stored, await RetrieveLastAsync(client));
        await client.DisconnectAsync(quit: true, Timeout);
        Assert.Equal("cram-md5", fixture.Auth.Requests[^1]["Auth-Method"]);
    }

    [Fact]
    public async Task AWrongPasswordIsAnAuthenticationError()
    {
        using var client = await ConnectAsync();
        client.AuthenticationMechanisms.Clear();
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong", Timeout));
        Assert.Equal("plain", fixture.Auth.Requests[^1]["Auth-Method"]);
    }
}
