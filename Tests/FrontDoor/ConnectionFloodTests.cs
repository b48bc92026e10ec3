using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrleansMail.Tests.EndToEnd;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.FrontDoor;

/// <summary>
/// Connection floods against the real Frontend process, the attacker's way (raw sockets from loopback addresses):
/// the per-address pre-login cap holds under 10,000 connections from one address while the real user logs in from
/// another through real Dovecot, memory stays bounded, <c>worker_connections</c> caps all listeners together with the
/// protocol's temporary failure (nothing on the TLS port), logged-in sessions leave the pre-login count, and
/// <c>login_timeout</c> ends a connection that keeps talking without logging in.
/// </summary>
public sealed class ConnectionFloodTests(ConnectionFloodFixture fixture) : IClassFixture<ConnectionFloodFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Greeting = "* OK IMAP4 ready";

    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress RealUser = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.3");

    /// <summary>Connects from <paramref name="from"/> and reads the first line; null when the proxy closed without one.</summary>
    private static async Task<(LineClient Client, string? Line)> OpenAsync(IPAddress from, int port)
    {
        var client = await LineClient.ConnectFromAsync(from, port, Ct);
        try
        {
            return (client, await client.ReadLineAsync(TimeSpan.FromSeconds(20)));
        }
        catch (IOException)
        {
            return (client, null);
        }
    }

    private static async Task LogInAsync(LineClient client)
    {
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        var lines = await client.ReadUntilAsync("a ", TimeSpan.FromSeconds(10));
        Assert.StartsWith("a OK", lines[^1], StringComparison.Ordinal);
    }

    /// <summary>Waits until a new connection from <paramref name="from"/> is greeted again (the proxy has seen earlier ones close).</summary>
    private static async Task WaitUntilGreetedAsync(IPAddress from, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (client, line) = await OpenAsync(from, port);
            await client.DisposeAsync();
            if (line == Greeting) return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"still refused: {line}");
            await Task.Delay(200, Ct);
        }
    }

    [Fact]
    public async Task TenThousandConnectionsFromOneAddressHoldTwentyAndTheRealUserLogsInFromAnother()
    {
        await WaitUntilGreetedAsync(Attacker, fixture.ImapPort);
        // One login first, so the timed ones below measure the flood's effect, not the first activation of the grains.
        await using (var warm = (await OpenAsync(RealUser, fixture.ImapPort)).Client) await LogInAsync(warm);
        var rssBefore = fixture.FrontendRss();
        var held = new System.Collections.Concurrent.ConcurrentBag<LineClient>();
        int greeted = 0, refused = 0, other = 0;
        using var parallel = new SemaphoreSlim(100);

        // The real user logs in from another address every 200 ms while the flood runs.
        using var flooding = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var logins = new List<TimeSpan>();
        var realUser = Task.Run(async () =>
        {
            while (!flooding.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                var (client, line) = await OpenAsync(RealUser, fixture.ImapPort);
                await using (client)
                {
                    Assert.Equal(Greeting, line);
                    await LogInAsync(client);
                    logins.Add(clock.Elapsed);
                    await client.SendAsync("b LOGOUT\r\n");
                    await client.ReadUntilAsync("b OK", TimeSpan.FromSeconds(10));
                }
                await Task.Delay(200, CancellationToken.None);
            }
        }, CancellationToken.None);

        var flood = Enumerable.Range(0, 10_000).Select(async _ =>
        {
            await parallel.WaitAsync(Ct);
            try
            {
                var (client, line) = await OpenAsync(Attacker, fixture.ImapPort);
                if (line == Greeting)
                {
                    Interlocked.Increment(ref greeted);
                    held.Add(client); // the attacker keeps these open, saying nothing
                    return;
                }
                if (line == "* BYE [UNAVAILABLE] Too many connections from your address, try again later" && await client.IsClosedAsync(TimeSpan.FromSeconds(10)))
                    Interlocked.Increment(ref refused);
                else
                    Interlocked.Increment(ref other);
                await client.DisposeAsync();
            }
            finally
            {
                parallel.Release();
            }
        });
        var flooded = Stopwatch.StartNew();
        await Task.WhenAll(flood);
        var floodTime = flooded.Elapsed;
        await flooding.CancelAsync();
        await realUser;
        var rssAfter = fixture.FrontendRss();

        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"flood of 10,000 in {floodTime.TotalSeconds:0.0} s: {greeted} greeted, {refused} refused; real user {logins.Count} logins, slowest {logins.Max().TotalMilliseconds:0} ms; RSS {rssBefore / 1024} KB -> {rssAfter / 1024} KB");
            Assert.Equal(ConnectionLimitDefaults.PreloginPerAddress, greeted);
            Assert.Equal(10_000 - ConnectionLimitDefaults.PreloginPerAddress, refused);
            Assert.Equal(0, other);
            Assert.NotEmpty(logins);
            Assert.All(logins, took => Assert.True(took < TimeSpan.FromSeconds(2), $"a login of the real user took {took}"));
            Assert.True(rssAfter - rssBefore < 64L * 1024 * 1024, $"RSS grew from {rssBefore / 1024} KB to {rssAfter / 1024} KB");
            // The 20 held ones still answer: they were never dropped for the others.
            foreach (var client in held.Take(3)) await client.ExpectAsync("x NOOP\r\n", "x OK completed");
        }
        finally
        {
            foreach (var client in held) await client.DisposeAsync();
        }
        // Once they close, the address may connect again.
        await WaitUntilGreetedAsync(Attacker, fixture.ImapPort);
    }

    [Fact]
    public async Task WorkerConnectionsCapEveryListenerTogetherWithTheProtocolsTemporaryFailure()
    {
        await WaitUntilGreetedAsync(Trusted, fixture.ImapPort);
        var held = new List<LineClient>();
        try
        {
            // From a trusted network (no per-address cap): IMAP and POP3 connections until the process-wide cap.
            for (var i = 0; i < ConnectionFloodFixture.WorkerConnections / 2; i++)
            {
                var (client, line) = await OpenAsync(Trusted, fixture.ImapPort);
                held.Add(client);
                Assert.Equal(Greeting, line);
            }
            string? refusal = null;
            while (held.Count < ConnectionFloodFixture.WorkerConnections + 5)
            {
                var (client, line) = await OpenAsync(Trusted, fixture.Pop3Port);
                held.Add(client);
                if (line == "+OK POP3 ready") continue;
                refusal = line;
                break;
            }
            Assert.Equal("-ERR [SYS/TEMP] Too many connections, try again later", refusal);
            Assert.Equal(ConnectionFloodFixture.WorkerConnections, held.Count - 1);

            var (smtp, smtpLine) = await OpenAsync(Trusted, fixture.SmtpPort);
            held.Add(smtp);
            Assert.Equal("421 4.7.0 Too many connections, try again later", smtpLine);
            Assert.True(await smtp.IsClosedAsync());
            var (imap, imapLine) = await OpenAsync(Trusted, fixture.ImapPort);
            held.Add(imap);
            Assert.Equal("* BYE [UNAVAILABLE] Too many connections, try again later", imapLine);

            // Implicit TLS: closed without a byte of cleartext.
            using (var tls = new TcpClient())
            {
                await tls.ConnectAsync(IPAddress.Loopback, fixture.ImapsPort, Ct);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                deadline.CancelAfter(TimeSpan.FromSeconds(10));
                Assert.Equal(0, await tls.GetStream().ReadAsync(new byte[64], deadline.Token));
            }
        }
        finally
        {
            foreach (var client in held) await client.DisposeAsync();
        }
        // Closing gives the places back.
        await WaitUntilGreetedAsync(Trusted, fixture.ImapPort);
    }

    [Fact]
    public async Task LoggedInSessionsLeaveThePreloginCountOfTheirAddress()
    {
        var address = IPAddress.Parse("127.0.0.4");
        var sessions = new List<LineClient>();
        try
        {
            for (var i = 0; i < ConnectionLimitDefaults.PreloginPerAddress + 5; i++)
            {
                var (client, line) = await OpenAsync(address, fixture.ImapPort);
                sessions.Add(client);
                Assert.Equal(Greeting, line);
                await LogInAsync(client);
            }
            // 25 logged-in sessions from the address, and it may still open a new connection.
            var (fresh, freshLine) = await OpenAsync(address, fixture.ImapPort);
            sessions.Add(fresh);
            Assert.Equal(Greeting, freshLine);
        }
        finally
        {
            foreach (var client in sessions) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task BehindALoadBalancerThePreloginLimitCountsTheClientsInThePROXYHeader()
    {
        // Every connection comes from the balancer (127.0.0.6); the header names the client.
        var balancer = IPAddress.Parse("127.0.0.6");
        var held = new List<LineClient>();
        async Task<string?> ThroughBalancerAsync(string client, int port)
        {
            var connection = await LineClient.ConnectFromAsync(balancer, fixture.ProxyProtocolPort, Ct);
            held.Add(connection);
            await connection.SendAsync($"PROXY TCP4 {client} 198.51.100.1 {port} 143\r\n");
            return await connection.ReadLineAsync(TimeSpan.FromSeconds(20));
        }
        try
        {
            for (var i = 0; i < ConnectionLimitDefaults.PreloginPerAddress; i++)
                Assert.Equal(Greeting, await ThroughBalancerAsync("192.0.2.50", 40000 + i));
            Assert.Equal("* BYE [UNAVAILABLE] Too many connections from your address, try again later", await ThroughBalancerAsync("192.0.2.50", 41000));
            // Another client through the same balancer is not affected.
            Assert.Equal(Greeting, await ThroughBalancerAsync("192.0.2.51", 42000));
        }
        finally
        {
            foreach (var connection in held) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task LoginTimeoutEndsAConnectionThatKeepsTalkingWithoutLoggingIn()
    {
        // timeout 3s, login_timeout 4s: a NOOP every second keeps each read within its timeout, the whole stays not.
        var (client, line) = await OpenAsync(IPAddress.Parse("127.0.0.5"), fixture.QuickImapPort);
        await using var _ = client;
        Assert.Equal(Greeting, line);
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await client.SendAsync("a NOOP\r\n");
                if (await client.ReadLineAsync(TimeSpan.FromSeconds(5)) is null) break;
                // Real time is the point: a session kept alive through a real flood of the Frontend process.
                await Task.Delay(1000, Ct);
            }
        }
        catch (IOException)
        {
            // reset: closed too
        }
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(10));
    }
}

/// <summary>The defaults the tests rely on (README "Connection limits").</summary>
internal static class ConnectionLimitDefaults
{
    public const int PreloginPerAddress = 20;
}
