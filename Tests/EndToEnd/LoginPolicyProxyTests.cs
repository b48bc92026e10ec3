using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MailKit.Net.Imap;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The login policy seen by clients through the proxy to real Dovecot: one auth request per TTL, brute force
/// refused with the auth failure's own reply, the admin API lifting a block, and the temporary-failure reply of
/// each protocol when the auth server is down.
/// </summary>
public sealed class LoginPolicyProxyTests(LoginPolicyProxyFixture fixture) : IClassFixture<LoginPolicyProxyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int RequestsFor(string login) => fixture.Auth.Requests.Count(r => r.Decoded("Auth-User") == login);

    private HttpClient Admin(string? token = LoginPolicyProxyFixture.AdminToken) => AdminHttp.Create(fixture.AdminUrl, AdminHttp.Bearer(token));

    [Fact]
    public async Task RepeatedLoginsAskTheAuthServerOncePerTtl()
    {
        for (var i = 0; i < 3; i++)
        {
            using var client = new ImapClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port("imap"), SecureSocketOptions.None, Ct);
            await client.AuthenticateAsync("alice", "alice-password", Ct);
            Assert.True(client.IsAuthenticated);
            await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Ct);
            await client.DisconnectAsync(true, Ct);
        }

        Assert.Equal(1, RequestsFor("alice"));
    }

    [Fact]
    public async Task BruteForceIsRefusedWithTheSameReplyUntilAnAdminUnblocks()
    {
        for (var i = 0; i < 9; i++)
        {
            await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imap"));
            await c.ExpectAsync($"a LOGIN bob wrong{i}\r\n", "a NO Invalid login or password");
            await c.AssertClosedAsync();
        }

        Assert.Equal(5, RequestsFor("bob"));

        // Throttled from this address: even the right password is refused without asking the auth server.
        await using (var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imap")))
            await c.ExpectAsync("a LOGIN bob bob-password\r\n", "a NO Invalid login or password");
        Assert.Equal(5, RequestsFor("bob"));

        using (var anonymous = Admin(token: null))
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/admin/throttle/unblock?login=bob&address=127.0.0.1", null, Ct)).StatusCode);
        using (var wrong = Admin(token: "not-the-token"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/users/bob", Ct)).StatusCode);

        using var admin = Admin();
        using (var report = JsonDocument.Parse(await admin.GetStringAsync("/admin/users/bob", Ct)))
        {
            var throttle = report.RootElement.GetProperty("throttles")[0];
            Assert.Equal("127.0.0.1/32", throttle.GetProperty("addressPrefix").GetString());
            Assert.Equal(5, throttle.GetProperty("distinctFailures").GetInt32());
            Assert.True(throttle.GetProperty("throttled").GetBoolean());
        }

        (await admin.PostAsync("/admin/throttle/unblock?login=bob&address=127.0.0.1", null, Ct)).EnsureSuccessStatusCode();
        await using (var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imap")))
        {
            await c.SendAsync("a LOGIN bob bob-password\r\n");
            Assert.StartsWith("a OK", await c.ReadLineAsync(TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
        }
        Assert.Equal(6, RequestsFor("bob"));
    }

    [Fact]
    public async Task AdminFlushMakesTheNextLoginAskAgain()
    {
        async Task LoginAsync()
        {
            await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imap"));
            await c.SendAsync("a LOGIN carol carol-password\r\n");
            Assert.StartsWith("a OK", await c.ReadLineAsync(TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
        }

        using var admin = Admin();
        await LoginAsync();
        await LoginAsync();
        Assert.Equal(1, RequestsFor("carol"));
        (await admin.PostAsync("/admin/cache/flush?login=carol", null, Ct)).EnsureSuccessStatusCode();
        await LoginAsync();
        Assert.Equal(2, RequestsFor("carol"));
        (await admin.PostAsync("/admin/cache/flush", null, Ct)).EnsureSuccessStatusCode();
        await LoginAsync();
        Assert.Equal(3, RequestsFor("carol"));
    }

    [Fact]
    public async Task ImapSaysUnavailableWhenTheAuthServerIsDown()
    {
        await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imapdown"));
        await c.ExpectAsync("t1 LOGIN dave pw\r\n", "t1 NO [UNAVAILABLE] Temporary authentication failure");
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task Pop3SaysSysTempWhenTheAuthServerIsDown()
    {
        await using var c = await Pop3Wire.OpenAsync(fixture.Proxy.Port("pop3down"));
        await c.SendAsync("USER dave\r\n");
        Assert.StartsWith("+OK", await c.ReadLineAsync(), StringComparison.Ordinal);
        await c.SendAsync("PASS pw\r\n");
        Assert.Equal("-ERR [SYS/TEMP] Temporary authentication failure", await c.ReadLineAsync(TimeSpan.FromSeconds(15)));
        await c.AssertClosedAsync();
    }

    [Fact]
    public async Task SmtpSays454WhenTheAuthServerIsDown()
    {
        await using var c = await SmtpWire.OpenAsync(fixture.Proxy.Port("smtpdown"));
        await c.SendAsync("EHLO client.test\r\n");
        await c.ReadUntilAsync("250 ");
        var clock = Stopwatch.StartNew();
        await c.SendAsync($"AUTH PLAIN {SmtpWire.B64("\0dave\0pw")}\r\n");
        Assert.Equal("454 4.7.0 Temporary authentication failure", await c.ReadLineAsync(TimeSpan.FromSeconds(15)));
        await c.AssertClosedAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
