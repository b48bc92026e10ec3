using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Infrastructure;

/// <summary>The private Dovecot really serves IMAP and POP3 to real clients.</summary>
public sealed class DovecotServerTests(DovecotFixture fixture) : IClassFixture<DovecotFixture>
{
    private DovecotServer Dovecot => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MimeMessage NewMessage(string subject, string body) =>
        new(new[] { new MailboxAddress("Sender", "sender@example.test") },
            new[] { new MailboxAddress("Rcpt", "rcpt@example.test") },
            subject,
            new TextPart("plain") { Text = body });

    private string NewUser(string password)
    {
        var user = "u" + Guid.NewGuid().ToString("N")[..12];
        Dovecot.SetUser(user, password);
        return user;
    }

    [Fact]
    public void Listens_on_loopback_at_distinct_high_ports()
    {
        Assert.Equal("127.0.0.1", Dovecot.Host);
        Assert.True(Dovecot.ImapPort > 1024, $"imap port {Dovecot.ImapPort}");
        Assert.True(Dovecot.Pop3Port > 1024, $"pop3 port {Dovecot.Pop3Port}");
        Assert.NotEqual(Dovecot.ImapPort, Dovecot.Pop3Port);
        Assert.Contains("starting up for imap, pop3", Dovecot.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imap_login_append_and_fetch_back()
    {
        var user = NewUser("pw-imap");
        var uid = await Dovecot.AppendAsync(user, NewMessage("Hello IMAP", "first body"), Ct);
        Assert.NotNull(uid);

        using var client = new ImapClient();
        await client.ConnectAsync(Dovecot.Host, Dovecot.ImapPort, SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(user, "pw-imap", Ct);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Equal(1, client.Inbox.Count);

        var fetched = await client.Inbox.GetMessageAsync(uid.Value, Ct);
        Assert.Equal("Hello IMAP", fetched.Subject);
        Assert.Equal("first body", fetched.TextBody?.TrimEnd());
        await client.DisconnectAsync(true, Ct);
        Assert.Contains($"Login: user=<{user}>", Dovecot.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_lists_and_retrieves_an_appended_message()
    {
        var user = NewUser("pw-pop3");
        await Dovecot.AppendAsync(user, NewMessage("Hello POP3", "pop body"), Ct);
        await Dovecot.AppendAsync(user, NewMessage("Second", "second body"), Ct);

        using var client = new Pop3Client();
        await client.ConnectAsync(Dovecot.Host, Dovecot.Pop3Port, SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(user, "pw-pop3", Ct);
        Assert.Equal(2, client.Count);
        var sizes = await client.GetMessageSizesAsync(Ct);
        Assert.All(sizes, size => Assert.True(size > 0));
        var first = await client.GetMessageAsync(0, Ct);
        Assert.Equal("Hello POP3", first.Subject);
        await client.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task Fixture_users_log_in_case_insensitively()
    {
        using var client = new ImapClient();
        await client.ConnectAsync(Dovecot.Host, Dovecot.ImapPort, SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync("Alice", "alice-password", Ct);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task Imap_wrong_password_and_unknown_user_are_refused()
    {
        using var client = new ImapClient();
        await client.ConnectAsync(Dovecot.Host, Dovecot.ImapPort, SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("bob", "wrong", Ct));
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("nobody-here", "x", Ct));
        Assert.False(client.IsAuthenticated);
    }

    [Fact]
    public async Task Pop3_wrong_password_is_refused()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync(Dovecot.Host, Dovecot.Pop3Port, SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("bob", "wrong", Ct));
        Assert.False(client.IsAuthenticated);
    }

    [Fact]
    public async Task Changed_password_takes_effect_while_running()
    {
        var user = NewUser("old-pass");
        Dovecot.SetUser(user, "new-pass"); // same length: the size padding makes Dovecot notice

        using var client = new ImapClient();
        await client.ConnectAsync(Dovecot.Host, Dovecot.ImapPort, SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(user, "old-pass", Ct));
        await client.AuthenticateAsync(user, "new-pass", Ct);
        Assert.True(client.IsAuthenticated);
    }
}

/// <summary>Starting, running in parallel, failing loudly and stopping.</summary>
public sealed class DovecotServerLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Several_instances_run_in_parallel_and_are_independent()
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            DovecotServer.StartAsync([($"user{i}", $"pass{i}")], extraConfig: null, Ct)));
        try
        {
            Assert.Equal(8, servers.SelectMany(s => new[] { s.ImapPort, s.Pop3Port }).Distinct().Count());
            await Task.WhenAll(servers.Select(async (server, i) =>
            {
                using var client = new ImapClient();
                await client.ConnectAsync(server.Host, server.ImapPort, SecureSocketOptions.None, Ct);
                await client.AuthenticateAsync($"user{i}", $"pass{i}", Ct);
                Assert.True(client.IsAuthenticated);
                await client.DisconnectAsync(true, Ct);

                // Another instance's user is unknown here.
                using var other = new ImapClient();
                await other.ConnectAsync(server.Host, server.ImapPort, SecureSocketOptions.None, Ct);
                var j = (i + 1) % servers.Length;
                await Assert.ThrowsAsync<AuthenticationException>(() => other.AuthenticateAsync($"user{j}", $"pass{j}", Ct));
            }));
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Dispose_stops_the_server_and_deletes_its_folder()
    {
        var server = await DovecotServer.StartAsync(("carol", "pw"));
        var directory = server.Directory;
        var port = server.ImapPort;
        Assert.True(Directory.Exists(directory));
        Assert.True(server.StartupTime < TimeSpan.FromSeconds(15));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(directory));
        using var socket = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(async () => await socket.ConnectAsync("127.0.0.1", port, Ct));
    }

    [Fact]
    public async Task A_broken_config_fails_with_the_log_instead_of_hanging()
    {
        var error = await Assert.ThrowsAsync<ServerStartException>(() =>
            DovecotServer.StartAsync([("dave", "pw")], "no_such_dovecot_setting = 1", Ct));
        Assert.Contains("no_such_dovecot_setting", error.Message, StringComparison.Ordinal);
    }
}
