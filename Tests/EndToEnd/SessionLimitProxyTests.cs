using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.EndToEnd;

/// <summary>
/// The session limit (2 per login and address) seen by MailKit clients through the proxy to real Dovecot and Postfix:
/// two sessions log in, the third gets its protocol's temporary failure with Dovecot's wording on a connection that
/// stays open, the front end's renewals keep the slots past the lease TTL, and a session that ends frees its slot at
/// once, for a new connection or for the refused one trying again.
/// </summary>
public sealed class SessionLimitProxyTests(SessionLimitProxyFixture fixture) : IClassFixture<SessionLimitProxyFixture>
{
    private const string OverLimit = "Maximum number of connections from user+IP exceeded (session_limit_per_login_address=2)";

    /// <summary>Long enough for the background release of a session that just ended, well short of the lease TTL.</summary>
    private static readonly TimeSpan ReleaseWithin = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<ImapClient> ImapLoginAsync(string user)
    {
        var client = new ImapClient { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port("imap"), SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(user, user + "-password", Ct);
        return client;
    }

    private async Task<Pop3Client> Pop3LoginAsync(string user)
    {
        var client = new Pop3Client { Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port("pop3"), SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(user, user + "-password", Ct);
        return client;
    }

    private async Task<SmtpClient> SmtpLoginAsync(string user)
    {
        var client = new SmtpClient { Timeout = 20_000, LocalDomain = "mailkit.example" };
        await client.ConnectAsync("127.0.0.1", fixture.Proxy.Port("smtp"), SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(new SaslMechanismPlain(user, user + "-password"), Ct);
        return client;
    }

    /// <summary>Logs in again and again until it works (the slot of a session that just ended is released in the background).</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> login, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await login();
            }
            catch (Exception e) when (e is AuthenticationException or ImapCommandException or Pop3CommandException or SmtpCommandException
                                          or ServiceNotAuthenticatedException or IOException && clock.Elapsed < within)
            {
                await Task.Delay(200, Ct);
            }
        }
    }

    private async Task AssertImapRefusedAsync(string user)
    {
        await using var c = await ImapWire.OpenAsync(fixture.Proxy.Port("imap"));
        await c.ExpectAsync($"a LOGIN {user} {user}-password\r\n", $"a NO [UNAVAILABLE] {OverLimit}");
    }

    /// <summary>
    /// Tries to log in on one open connection until the reply is <paramref name="success"/>'s (the slot of a session
    /// that just ended is released in the background); every earlier reply must be the limit's.
    /// </summary>
    private static async Task<string> RetryOnSameConnectionAsync(Func<int, Task<string?>> attempt, Func<int, string> refused, Func<int, string> success)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; ; i++)
        {
            var reply = await attempt(i) ?? "(closed)";
            if (reply.StartsWith(success(i), StringComparison.Ordinal)) return reply;
            Assert.Equal(refused(i), reply);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, ReleaseWithin);
            await Task.Delay(200, Ct);
        }
    }

    private HttpClient Admin(string? token = SessionLimitProxyFixture.AdminToken) => AdminHttp.Create(fixture.AdminUrl, AdminHttp.Bearer(token));

    [Fact]
    public async Task AThirdImapSessionIsRefusedUntilOneOfTheTwoEnds()
    {
        using var first = await ImapLoginAsync("alice");
        using var second = await ImapLoginAsync("alice");

        await using var refusedConnection = await ImapWire.OpenAsync(fixture.Proxy.Port("imap"));
        await refusedConnection.ExpectAsync("r0 LOGIN alice alice-password\r\n", $"r0 NO [UNAVAILABLE] {OverLimit}");
        // MailKit sees the refusal as a failed AUTHENTICATE, and the two sessions are untouched.
        var refused = await Assert.ThrowsAsync<AuthenticationException>(() => ImapLoginAsync("alice"));
        Assert.Contains(OverLimit, refused.Message, StringComparison.Ordinal);
        await first.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        await second.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);

        // Held past the lease TTL: the front end's renewals keep both slots.
        // Real time is the point: the Frontend process renews the leases on its own clock; the lease TTL is its schedule.
        await Task.Delay(SessionLimitProxyFixture.LeaseTtl + TimeSpan.FromSeconds(2), Ct);
        await AssertImapRefusedAsync("alice");

        await first.DisconnectAsync(true, Ct);
        var clock = Stopwatch.StartNew();
        using var third = await EventuallyAsync(() => ImapLoginAsync("alice"), ReleaseWithin);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, ReleaseWithin);
        await third.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        await AssertImapRefusedAsync("alice");

        // The connection refused at first logs in on its next try once another session has ended.
        await second.DisconnectAsync(true, Ct);
        await RetryOnSameConnectionAsync(
            async i =>
            {
                await refusedConnection.SendAsync($"r{i + 1} LOGIN alice alice-password\r\n");
                return await refusedConnection.ReadLineAsync(TimeSpan.FromSeconds(20));
            },
            i => $"r{i + 1} NO [UNAVAILABLE] {OverLimit}", i => $"r{i + 1} OK");
        await refusedConnection.SendAsync("s SELECT INBOX\r\n");
        Assert.StartsWith("s OK", (await refusedConnection.ReadUntilAsync("s ", TimeSpan.FromSeconds(20)))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AThirdPop3SessionGetsSysTemp()
    {
        using var first = await Pop3LoginAsync("bob");
        using var second = await Pop3LoginAsync("bob");

        await using (var c = await Pop3Wire.OpenAsync(fixture.Proxy.Port("pop3")))
        {
            await c.ExpectAsync("USER bob\r\n", "+OK");
            await c.ExpectAsync("PASS bob-password\r\n", $"-ERR [SYS/TEMP] {OverLimit}");

            // The same connection logs in once a session has ended.
            await second.DisconnectAsync(true, Ct);
            Pop3Wire.AssertLoggedIn(await RetryOnSameConnectionAsync(
                async _ =>
                {
                    await c.ExpectAsync("USER bob\r\n", "+OK");
                    await c.SendAsync("PASS bob-password\r\n");
                    return await c.ReadLineAsync(TimeSpan.FromSeconds(20));
                },
                _ => $"-ERR [SYS/TEMP] {OverLimit}", _ => "+OK "));
        }

        using var third = await EventuallyAsync(() => Pop3LoginAsync("bob"), ReleaseWithin);
        Assert.True(third.IsAuthenticated);
        await first.GetMessageCountAsync(Ct);
    }

    [Fact]
    public async Task AThirdSmtpSessionGets454()
    {
        using var first = await SmtpLoginAsync("carol");
        using var second = await SmtpLoginAsync("carol");

        await using (var c = await SmtpWire.OpenAsync(fixture.Proxy.Port("smtp")))
        {
            await c.ExpectAsync("EHLO client.example\r\n", "250-proxy.test", "250 AUTH PLAIN LOGIN");
            await c.ExpectAsync($"AUTH PLAIN {SmtpWire.B64("\0carol\0carol-password")}\r\n", $"454 4.7.0 {OverLimit}");
            // Still open: the client may try again later.
            await c.ExpectAsync("NOOP\r\n", "250 2.0.0 OK");
        }

        await first.DisconnectAsync(true, Ct);
        using var third = await EventuallyAsync(() => SmtpLoginAsync("carol"), ReleaseWithin);
        Assert.True(third.IsAuthenticated);
    }

    [Fact]
    public async Task TheAdminApiListsALoginsSessionsWithoutSecrets()
    {
        using var session = await ImapLoginAsync("dave");
        using (var anonymous = Admin(token: null))
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/sessions?login=dave", Ct)).StatusCode);

        using var admin = Admin();
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/admin/sessions", Ct)).StatusCode);
        var body = await admin.GetStringAsync("/admin/sessions?login=dave", Ct);
        using var sessions = JsonDocument.Parse(body);
        var entry = Assert.Single(sessions.RootElement.EnumerateArray());
        Assert.Equal("127.0.0.1", entry.GetProperty("clientAddress").GetString());
        Assert.Equal("dave", entry.GetProperty("login").GetString());
        Assert.Contains($"/{Environment.ProcessId}/", entry.GetProperty("frontEnd").GetString(), StringComparison.Ordinal);
        Assert.True(entry.GetProperty("started").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.DoesNotContain("dave-password", body, StringComparison.Ordinal);

        var report = await admin.GetStringAsync("/admin/users/dave", Ct);
        Assert.Single(JsonDocument.Parse(report).RootElement.GetProperty("sessions").EnumerateArray());
        Assert.DoesNotContain("dave-password", report, StringComparison.Ordinal);
    }
}
