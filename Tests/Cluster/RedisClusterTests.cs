using System.Diagnostics;
using System.Net;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// Silo and Frontend as separate processes clustered over a real Redis (README "Running a cluster"): the built
/// Silo.dll and two built Frontend.dll processes, found each other only through Redis membership, serve real IMAP
/// logins through to Dovecot; Auth-Wait holds across front-end processes.
/// </summary>
public sealed class RedisClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task TheSiloIsHealthyAndTheOnlyMemberOfItsClusterInRedis()
    {
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"fixture up in {fixture.StartupTime.TotalSeconds:0.0} s; silo healthy after {fixture.Silo.StartupTime.TotalSeconds:0.0} s; " +
            $"front ends greeting after {fixture.FrontendA.StartupTime.TotalSeconds:0.0} s and {fixture.FrontendB.StartupTime.TotalSeconds:0.0} s");
        var (status, body) = await fixture.Silo.GetHealthAsync(Timeout);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body);

        // Both Frontends are up and connected, yet the membership table holds exactly one live silo, the Silo
        // process's: the Frontends are Orleans clients, not silos. (A silo start the fixture retried on a slow machine
        // leaves its entry behind, declared Dead, as Orleans keeps every dead entry until cleanup.)
        var members = await fixture.Cluster.ReadMembershipAsync();
        var silo = Assert.Single(members, m => m.Status != MembershipEntry.Dead);
        Assert.Equal(fixture.Silo.SiloPort, silo.SiloPort);
        Assert.Equal(fixture.Silo.GatewayPort, silo.GatewayPort);
        Assert.Equal(MembershipEntry.Active, silo.Status);
        Assert.StartsWith("S127.0.0.1:", silo.Field, StringComparison.Ordinal); // Cluster:AdvertisedIp
    }

    [Fact]
    public async Task MailKitLogsInAndFetchesMailThroughEachFrontendProcess()
    {
        fixture.UseDefaultAuth();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        message.To.Add(new MailboxAddress("Alice", "alice@example.com"));
        message.Subject = "through a clustered front end " + Guid.NewGuid();
        message.Body = new TextPart("plain") { Text = "Hello from Dovecot, via a Frontend process and a Silo process." };
        await fixture.Dovecot.AppendAsync("alice", message, Timeout);

        foreach (var frontend in new[] { fixture.FrontendA, fixture.FrontendB })
        {
            var before = fixture.AuthLog.Count;
            using var client = new ImapClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", frontend.ImapPort, SecureSocketOptions.None, Timeout);
            try
            {
                await client.AuthenticateAsync("alice", "alice-password", Timeout);
            }
            catch (Exception e)
            {
                Assert.Fail($"login through {frontend.App.Name} failed: {e.Message}\n{fixture.Diagnostics()}");
            }

            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Timeout);
            var uids = await client.Inbox.SearchAsync(SearchQuery.SubjectContains(message.Subject), Timeout);
            var fetched = await client.Inbox.GetMessageAsync(Assert.Single(uids), Timeout);
            Assert.Equal(message.Subject, fetched.Subject);
            Assert.Equal(((TextPart)message.Body).Text, fetched.TextBody?.TrimEnd());
            await client.DisconnectAsync(quit: true, Timeout);

            // The decision came from the grain in the Silo process, which asked the auth server once.
            var asked = Assert.Single(fixture.AuthLog.Skip(before));
            Assert.Equal("alice", asked.User);
            Assert.Equal("imap", asked.Request["Auth-Protocol"]);
        }
    }

    [Fact]
    public async Task AuthWaitAfterAWrongPasswordOnOneFrontendHoldsBackTheSameUserOnTheOther()
    {
        fixture.UseAuth(TestAuthServer.UsersAndPasswords(fixture.Dovecot.Users, fixture.Dovecot.Host, fixture.Dovecot.ImapPort, waitOnFailureSeconds: 3));
        try
        {
            await using var onA = await ConnectAsync(fixture.FrontendA);
            await using var onB = await ConnectAsync(fixture.FrontendB);
            await using var otherOnB = await ConnectAsync(fixture.FrontendB);
            var before = fixture.AuthLog.Count;

            await onA.SendAsync("a1 LOGIN carol wrong-password\r\n");
            var wrong = await WaitForAuthRequestAsync(before, r => r.User == "carol");
            await Task.Delay(300, Timeout);

            var bStarted = Stopwatch.GetTimestamp();
            await onB.SendAsync("b1 LOGIN carol carol-password\r\n");
            // A different login on B during carol's Auth-Wait is not held back.
            var otherStarted = Stopwatch.GetTimestamp();
            await otherOnB.SendAsync("c1 LOGIN bob bob-password\r\n");
            var other = await otherOnB.ReadUntilAsync("c1 ", TimeSpan.FromSeconds(15));
            var otherTook = Stopwatch.GetElapsedTime(otherStarted);
            Assert.StartsWith("c1 OK", other[^1], StringComparison.Ordinal);
            Assert.True(otherTook < TimeSpan.FromSeconds(2), $"bob's login on B during carol's Auth-Wait took {otherTook}");

            var b = await onB.ReadUntilAsync("b1 ", TimeSpan.FromSeconds(15));
            var bTook = Stopwatch.GetElapsedTime(bStarted);
            var a = await onA.ReadUntilAsync("a1 ", TimeSpan.FromSeconds(15));
            Assert.Equal("a1 NO Invalid login or password", a[^1]);
            Assert.StartsWith("b1 OK", b[^1], StringComparison.Ordinal);
            Assert.True(bTook >= TimeSpan.FromSeconds(2.5), $"carol's correct login on B was decided after {bTook}, inside A's 3 s Auth-Wait");
            Assert.True(bTook < TimeSpan.FromSeconds(8), $"carol's correct login on B took {bTook}");

            // The auth server was not asked about B's attempt until the wait had passed, and was asked once.
            var log = fixture.AuthLog.Skip(before).ToList();
            var carolOk = Assert.Single(log, r => r.User == "carol" && r.Password == "carol-password");
            Assert.True(carolOk.Since(wrong.Timestamp) >= TimeSpan.FromSeconds(2.5),
                $"the auth server saw B's carol login {carolOk.Since(wrong.Timestamp)} after A's wrong password");
            var bob = Assert.Single(log, r => r.User == "bob");
            Assert.True(bob.Since(wrong.Timestamp) < TimeSpan.FromSeconds(2.5), $"bob was asked {bob.Since(wrong.Timestamp)} after carol's refusal");
            Assert.Equal(3, log.Count);
        }
        finally
        {
            fixture.UseDefaultAuth();
        }
    }

    [Fact]
    public async Task ABruteForceSpreadAcrossBothFrontendsReachesTheAuthServerAtMostThresholdTimes()
    {
        fixture.UseDefaultAuth();
        var before = fixture.AuthLog.Count;

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            await using var c = await ConnectAsync(i % 2 == 0 ? fixture.FrontendA : fixture.FrontendB);
            await c.SendAsync($"a LOGIN erin guess-{i}\r\n");
            return (await c.ReadUntilAsync("a ", TimeSpan.FromSeconds(30)))[^1];
        }));

        Assert.All(replies, r => Assert.Equal("a NO Invalid login or password", r));
        Assert.Equal(5, fixture.AuthLog.Skip(before).Count(r => r.User == "erin"));

        // The throttling state is in Redis (Orleans binary, keyed hashes): no guessed password in it.
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString))
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var key = Assert.Single(server.Keys(pattern: $"{fixture.Cluster.ServiceId}/state/userlogin/erin*"));
            var data = (byte[]?)await redis.GetDatabase().HashGetAsync(key, "data");
            Assert.NotNull(data);
            Assert.NotEmpty(data);
            Assert.Equal(-1, data.AsSpan().IndexOf("guess-"u8));
        }

        // The real user from the same address is throttled too, until the admin API on the Silo lifts it.
        await using (var c = await ConnectAsync(fixture.FrontendB))
        {
            await c.SendAsync("a LOGIN erin erin-password\r\n");
            Assert.Equal("a NO Invalid login or password", (await c.ReadUntilAsync("a ", TimeSpan.FromSeconds(30)))[^1]);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Silo.HealthPort}") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/admin/throttle/unblock?login=erin&address=127.0.0.1", null, Timeout)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RedisClusterFixture.AdminToken);
        (await http.PostAsync("/admin/throttle/unblock?login=erin&address=127.0.0.1", null, Timeout)).EnsureSuccessStatusCode();
        await using (var c = await ConnectAsync(fixture.FrontendA))
        {
            await c.SendAsync("a LOGIN erin erin-password\r\n");
            Assert.StartsWith("a OK", (await c.ReadUntilAsync("a ", TimeSpan.FromSeconds(30)))[^1], StringComparison.Ordinal);
        }
    }

    private static async Task<LineClient> ConnectAsync(FrontendProcess frontend)
    {
        var client = await LineClient.ConnectAsync(frontend.ImapPort);
        Assert.Equal(FrontendProcess.Greeting, await client.ReadLineAsync());
        return client;
    }

    private async Task<StampedAuthRequest> WaitForAuthRequestAsync(int after, Func<StampedAuthRequest, bool> match)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (fixture.AuthLog.Skip(after).FirstOrDefault(match) is { } found) return found;
            await Task.Delay(10, Timeout);
        }

        Assert.Fail($"the auth server was not asked within 10 s\n{fixture.Diagnostics()}");
        return null!;
    }
}
