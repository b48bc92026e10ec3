using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>MailKit's ImapClient → OrleansMail → real Dovecot: what a mail client does every day.</summary>
public sealed class ImapMailKitTests(ImapProxyFixture fixture) : IClassFixture<ImapProxyFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private async Task<ImapClient> ConnectAsync(string listener = "imap")
    {
        var client = new ImapClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port(listener), SecureSocketOptions.None, Timeout);
        return client;
    }

    [Fact]
    public async Task LoginSelectFetchAndLogoutThroughTheProxy()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        message.To.Add(new MailboxAddress("Alice", "alice@example.com"));
        message.Subject = "through the proxy " + Guid.NewGuid();
        message.Body = new TextPart("plain") { Text = "Hello from Dovecot, via OrleansMail.\r\n" + new string('x', 100_000) };
        await fixture.Dovecot.AppendAsync("alice", message, Timeout);

        using var client = await ConnectAsync();
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        Assert.True(client.IsAuthenticated);
        // After login the capabilities are Dovecot's own (relayed from its tagged OK), not the proxy's.
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
        var uids = await inbox.SearchAsync(SearchQuery.SubjectContains(message.Subject), Timeout);
        var fetched = await inbox.GetMessageAsync(Assert.Single(uids), Timeout);
        Assert.Equal(message.Subject, fetched.Subject);
        Assert.Equal(((TextPart)message.Body).Text.TrimEnd(), fetched.TextBody?.TrimEnd());

        await client.DisconnectAsync(quit: true, Timeout);

        var request = fixture.Auth.Requests.Last(r => r.Decoded("Auth-User") == "alice");
        Assert.Equal("plain", request["Auth-Method"]);
        Assert.Equal("imap", request["Auth-Protocol"]);
        Assert.Equal("127.0.0.1", request["Client-IP"]);
    }

    [Fact]
    public async Task AuthenticatePlainWorksWithAndWithoutAnInitialResponse()
    {
        // MailKit sends the initial response only when the server advertises SASL-IR, which the "mechs" listener does.
        foreach (var listener in new[] { "imap", "mechs" })
        {
            using var client = await ConnectAsync(listener);
            Assert.Equal(listener == "mechs", client.Capabilities.HasFlag(ImapCapabilities.SaslIR));
            await client.AuthenticateAsync(new SaslMechanismPlain("bob", "bob-password"), Timeout);
            Assert.True(client.IsAuthenticated);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
            await client.DisconnectAsync(true, Timeout);
        }
    }

    [Fact]
    public async Task AuthenticateLoginAndNonAsciiCredentialsReachDovecotIntact()
    {
        using var client = await ConnectAsync();
        await client.AuthenticateAsync(new SaslMechanismLogin("j\u00f6rg@example.com", "p\u00e4ss w\"rd"), Timeout);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(true, Timeout);
        var request = fixture.Auth.Requests.Last();
        Assert.Equal("j\u00f6rg@example.com", request["Auth-User"]);      // raw UTF-8, not escaped (nginx)
        Assert.Equal("p\u00e4ss%20w\"rd", request["Auth-Pass"]);          // space escaped, quote raw
    }

    [Fact]
    public async Task IdleDeliversNewMailThroughTheRelay()
    {
        using var client = await ConnectAsync();
        await client.AuthenticateAsync("bob", "bob-password", Timeout);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
        var before = inbox.Count;
        var arrived = new TaskCompletionSource();
        inbox.CountChanged += (_, _) => { if (inbox.Count > before) arrived.TrySetResult(); };

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token, Timeout);
        // Real time is the point: MailKit has no signal for "IDLE accepted"; the Frontend process and Dovecot need a moment.
        await Task.Delay(300, Timeout);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("x", "x@example.com"));
        message.To.Add(new MailboxAddress("bob", "bob@example.com"));
        message.Subject = "idle";
        message.Body = new TextPart("plain") { Text = "ping" };
        await fixture.Dovecot.AppendAsync("bob", message, Timeout);

        var finished = await Task.WhenAny(arrived.Task, Task.Delay(TimeSpan.FromSeconds(20), Timeout));
        done.Cancel();
        await idle;
        Assert.Same(arrived.Task, finished);
        await client.DisconnectAsync(true, Timeout);
    }

    [Fact]
    public async Task AWrongPasswordWithAuthWaitIsRefusedAfterTheWaitAndARetrySucceeds()
    {
        // Alice's refusals carry Auth-Wait for this test only.
        using var answer = fixture.Stack.AnswerFor("alice", TestAuthServer.UsersAndPasswords(fixture.Dovecot.Users, fixture.Dovecot.Host, fixture.Dovecot.ImapPort, waitOnFailureSeconds: 2));
        using var client = await ConnectAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        // A wrong password of its own: another test here has "wrong" refused without Auth-Wait, and the grains'
        // repeated-refusal rule (bruteforce_repeat_window, on in this fixture) would repeat that refusal locally for
        // 60 s, Auth-Wait-less, so the proxy would close instead of waiting (CI failed so once).
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong-then-wait", Timeout));
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.9), $"refused after {started.Elapsed}");
        // Auth-Wait keeps the connection open: the same connection may try again.
        Assert.True(client.IsConnected);
        await client.AuthenticateAsync("alice", "alice-password", Timeout);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(true, Timeout);
    }

    [Fact]
    public async Task AWrongPasswordWithoutAuthWaitIsRefusedAndTheConnectionClosed()
    {
        await using var wire = await LineClient.ConnectAsync(fixture.Proxy.Port());
        Assert.Equal("* OK IMAP4 ready", await wire.ReadLineAsync());
        await wire.SendAsync("a1 LOGIN alice wrong\r\n");
        Assert.Equal("a1 NO Invalid login or password", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task PasswordsNeverReachTheLogs()
    {
        using (var client = await ConnectAsync())
        {
            await client.AuthenticateAsync("alice", "alice-password", Timeout);
            await client.DisconnectAsync(true, Timeout);
        }
        await using (var wire = await LineClient.ConnectAsync(fixture.Proxy.Port()))
        {
            await wire.ReadLineAsync();
            await wire.SendAsync("a1 LOGIN alice sup3r-s3cret-guess\r\n");
            await wire.ReadLineAsync();
        }
        var logs = string.Join("\n", fixture.Proxy.Logs.Lines);
        Assert.Contains("client logged in", logs);
        Assert.DoesNotContain("alice-password", logs);
        Assert.DoesNotContain("sup3r-s3cret-guess", logs);
    }
}
