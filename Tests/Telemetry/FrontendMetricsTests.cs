using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Frontend.Hosting;
using OrleansMail.Frontend.Telemetry;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Telemetry;

/// <summary>
/// The front end's instruments (README "Observability") as a real login, relay, refusal, TLS handshake, pre-login cap
/// and reload produce them, in front of a real Dovecot and auth server, with exact values; and no measurement carries
/// the login or the client's address as a label value.
/// </summary>
public sealed class FrontendMetricsTests(TelemetryProxyFixture fixture) : IClassFixture<TelemetryProxyFixture>
{
    private static readonly System.Net.IPAddress CappedClient = System.Net.IPAddress.Parse("127.0.0.3");

    private string Listener(string name) => $"127.0.0.1:{fixture.Proxy.Port(name)}";

    [Fact]
    public async Task ALoginAndRelayAreCountedWithTheBytesTheClientSentAndReceived()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        // A listener of its own: another test's connection to "imap" closing meanwhile would add its own measurements.
        var listener = Listener("relayed");
        long sent = 0, received = 0;
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("relayed")))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            Assert.StartsWith("a OK", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            // Relayed from here on: what the client sends and reads is what the relay forwards.
            foreach (var command in new[] { "b NOOP\r\n", "c CAPABILITY\r\n" })
            {
                await client.SendAsync(command);
                sent += Encoding.ASCII.GetByteCount(command);
                received += (await client.ReadUntilAsync(command[..2])).Sum(l => Encoding.ASCII.GetByteCount(l) + 2);
            }
        }

        // The session's measurements come first, then the connection's close.
        await FrontendMeasurements.WaitForAsync(() => m.Histogram("orleansmail.session.duration", ("listener", listener)).Count > 0
            && m.Counter("orleansmail.connections.active", ("listener", listener)).Count == 2, "the connection's close");
        var login = Assert.Single(m.Counter("orleansmail.logins", ("listener", listener)));
        Assert.Equal(1, login.Value);
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["listener"] = listener, ["mechanism"] = "login", ["result"] = "ok" }, login.Tags);
        var duration = Assert.Single(m.Histogram("orleansmail.login.duration", ("listener", listener)));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["listener"] = listener, ["result"] = "ok" }, duration.Tags);
        Assert.InRange(duration.Value, 0.000001, 10);
        Assert.Equal(sent, m.Sum("orleansmail.relay.bytes", ("listener", listener), ("direction", "client_to_upstream")));
        Assert.Equal(received, m.Sum("orleansmail.relay.bytes", ("listener", listener), ("direction", "upstream_to_client")));
        var session = Assert.Single(m.Histogram("orleansmail.session.duration", ("listener", listener)));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["listener"] = listener, ["end"] = "client_closed" }, session.Tags);
        Assert.Equal(1, m.Sum("orleansmail.connections.opened", ("listener", listener)));
        Assert.Equal(0, m.Sum("orleansmail.connections.active", ("listener", listener)));
        var upstream = $"{fixture.Dovecot.Host}:{fixture.Dovecot.ImapPort}";
        var connect = Assert.Single(m.Histogram("orleansmail.upstream.connect.duration"));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["pool"] = "auth_server", ["upstream"] = upstream, ["result"] = "ok" }, connect.Tags);
        AssertNoPersonalLabels(m);
    }

    [Fact]
    public async Task ALoginTheAuthServerRefusesIsCountedAsFailedWithItsMechanism()
    {
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Fail("Invalid login or password"));
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imap")))
        {
            await client.ReadLineAsync();
            var plain = Convert.ToBase64String(Encoding.ASCII.GetBytes("\0alice\0wrong"));
            await client.SendAsync($"a AUTHENTICATE PLAIN {plain}\r\n");
            Assert.StartsWith("a NO", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Sum("orleansmail.connections.active", ("listener", Listener("imap"))) == 0
            && m.Counter("orleansmail.connections.opened").Count == 1, "the connection's close");
        var login = Assert.Single(m.Counter("orleansmail.logins"));
        Assert.Equal(1, login.Value);
        Assert.Equal("plain", login.Tags["mechanism"]);
        Assert.Equal("failed", login.Tags["result"]);
        Assert.Equal("failed", Assert.Single(m.Histogram("orleansmail.login.duration")).Tags["result"]);
        Assert.Empty(m.Histogram("orleansmail.session.duration"));
        Assert.Empty(m.Counter("orleansmail.relay.bytes"));
        AssertNoPersonalLabels(m);
    }

    [Fact]
    public async Task APop3UserPassLoginIsCountedWithMechanismUser()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("pop3")))
        {
            await client.ReadLineAsync();
            await client.SendAsync("USER alice\r\n");
            await client.ReadLineAsync();
            await client.SendAsync("PASS alice-password\r\n");
            Assert.StartsWith("+OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync("QUIT\r\n");
            await client.ReadLineAsync();
            // The proxy closes once the upstream has: the client does not hang up first.
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Histogram("orleansmail.session.duration").Count > 0, "the session's end");
        var login = Assert.Single(m.Counter("orleansmail.logins"));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "pop3", ["listener"] = Listener("pop3"), ["mechanism"] = "user", ["result"] = "ok" }, login.Tags);
        // QUIT is relayed: Dovecot closes after its +OK.
        Assert.Equal("upstream_closed", Assert.Single(m.Histogram("orleansmail.session.duration")).Tags["end"]);
        Assert.Equal(6, m.Sum("orleansmail.relay.bytes", ("direction", "client_to_upstream")));
    }

    [Fact]
    public async Task ARelayIdleForProxyTimeoutEndsAsTimeout()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("shortrelay")))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            Assert.StartsWith("a OK", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Histogram("orleansmail.session.duration").Count > 0, "the session's end");
        var session = Assert.Single(m.Histogram("orleansmail.session.duration"));
        Assert.Equal("timeout", session.Tags["end"]);
        Assert.InRange(session.Value, 0.9, 5);
    }

    [Fact]
    public async Task AnUpstreamThatRefusesTheConnectionIsAnUpstreamFailureOfKindRefused()
    {
        var closed = RawTcpResponder.UnusedPort();
        using var answer = fixture.Stack.AnswerFor("alice", _ => AuthReply.Ok("127.0.0.1", closed));
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imap")))
        {
            Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            await client.ReadUntilAsync("* BAD");
            // The proxy closes after its reply: wait for it, so the close is not measured by the next test.
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Counter("orleansmail.logins").Count == 1, "the login");
        Assert.Equal("upstream_failure", Assert.Single(m.Counter("orleansmail.logins")).Tags["result"]);
        var failure = Assert.Single(m.Counter("orleansmail.upstream.connect.failures"));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["pool"] = "auth_server", ["upstream"] = $"127.0.0.1:{closed}", ["error.type"] = "refused" }, failure.Tags);
        Assert.Equal("failed", Assert.Single(m.Histogram("orleansmail.upstream.connect.duration")).Tags["result"]);
    }

    [Fact]
    public async Task AConnectionWithoutAProxyHeaderIsRejectedWithItsReason()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        await using (var client = await LineClient.ConnectAsync(fixture.Proxy.Port("proxied")))
        {
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Counter("orleansmail.connections.rejected").Count == 1, "the rejection");
        Assert.Equal("proxy_header", Assert.Single(m.Counter("orleansmail.connections.rejected")).Tags["reason"]);
        Assert.Empty(m.Counter("orleansmail.logins"));
    }

    /// <summary>
    /// End to end: the same wrong password again from the same address is refused by the grains' repeated-refusal rule
    /// without asking the auth server (README "Login policy"), and the front end counts that attempt as throttled.
    /// </summary>
    [Fact]
    public async Task TheSameWrongPasswordAgainIsCountedAsThrottled()
    {
        using var answer = fixture.Stack.AnswerFor("mallory", _ => AuthReply.Fail("Invalid login or password"));
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var client = await LineClient.ConnectAsync(fixture.Proxy.Port("imap"));
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN mallory repeated-wrong-password\r\n");
            Assert.StartsWith("a NO", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        await FrontendMeasurements.WaitForAsync(() => m.Counter("orleansmail.logins").Sum(p => p.Value) == 2, "both attempts");
        Assert.Equal(1, m.Sum("orleansmail.logins", ("mechanism", "login"), ("result", "failed")));
        Assert.Equal(1, m.Sum("orleansmail.logins", ("mechanism", "login"), ("result", "throttled")));
        Assert.Single(m.Histogram("orleansmail.login.duration"), p => Equals(p.Tags["result"], "throttled"));
        AssertNoPersonalLabels(m);
    }

    /// <summary>
    /// The grains name the brute-force rule that refused a login (<see cref="LoginDecision.ThrottledBy"/>): the front end
    /// counts it as throttled, whatever the outcome; refusals of the auth server stay failed.
    /// </summary>
    [Fact]
    public void ADecisionOfTheGrainsThrottlingRulesIsCountedAsThrottled()
    {
        Assert.Equal("throttled", LoginResultLabels.Of(LoginDecision.Refuse("Invalid login or password", null, null) with { ThrottledBy = "login_threshold" }).Label());
        Assert.Equal("throttled", LoginResultLabels.Of(LoginDecision.RetryAfter(TimeSpan.FromSeconds(1)) with { ThrottledBy = "auth_wait" }).Label());
        Assert.Equal("failed", LoginResultLabels.Of(LoginDecision.Refuse("Invalid login or password", null, null)).Label());
        Assert.Equal("temporary_failure", LoginResultLabels.Of(LoginDecision.TemporaryFailure("login grain unavailable")).Label());
        Assert.Equal("session_limit", LoginResultLabels.Of(LoginDecision.OverSessionLimit("too many sessions")).Label());
    }

    [Fact]
    public async Task AConnectionOverThePreloginCapIsRejectedWithItsReason()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        var port = fixture.Proxy.Port("capped");
        // From an address of its own: the cap counts per address, and this test's held connections must not count
        // against the next test's (which connect from 127.0.0.1) while their close is still on its way.
        await using var first = await LineClient.ConnectFromAsync(CappedClient, port, TestContext.Current.CancellationToken);
        await using var second = await LineClient.ConnectFromAsync(CappedClient, port, TestContext.Current.CancellationToken);
        Assert.StartsWith("* OK", await first.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("* OK", await second.ReadLineAsync(), StringComparison.Ordinal);
        await using (var third = await LineClient.ConnectFromAsync(CappedClient, port, TestContext.Current.CancellationToken))
        {
            Assert.True(await third.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        var listener = Listener("capped");
        await FrontendMeasurements.WaitForAsync(() => m.Counter("orleansmail.connections.rejected").Count == 1, "the rejection");
        var rejected = Assert.Single(m.Counter("orleansmail.connections.rejected"));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["listener"] = listener, ["reason"] = "prelogin_per_address" }, rejected.Tags);
        Assert.Equal(3, m.Sum("orleansmail.connections.opened", ("listener", listener)));
        await FrontendMeasurements.WaitForAsync(() => m.Sum("orleansmail.connections.active", ("listener", listener)) == 2, "the rejected connection's close");
        AssertNoPersonalLabels(m);
    }

    [Fact]
    public async Task ATlsHandshakeIsCountedWithItsVersionAndAFailedOneAsARejection()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        var port = fixture.Proxy.Port("imaps");
        await using (var client = await LineClient.ConnectAsync(port))
        {
            await client.StartTlsAsync(fixture.Pki);
            Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        }
        await using (var client = await LineClient.ConnectAsync(port))
        {
            await client.SendAsync("a LOGIN alice alice-password\r\n");
            Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(10)));
        }

        var listener = Listener("imaps");
        await FrontendMeasurements.WaitForAsync(() => m.Counter("orleansmail.tls.handshakes").Count == 2, "both handshakes");
        Assert.Equal(1, m.Sum("orleansmail.tls.handshakes", ("listener", listener), ("tls.protocol.version", "1.3"), ("result", "ok")));
        Assert.Equal(1, m.Sum("orleansmail.tls.handshakes", ("listener", listener), ("tls.protocol.version", "none"), ("result", "failed")));
        var rejected = Assert.Single(m.Counter("orleansmail.connections.rejected"));
        Assert.Equal(new Dictionary<string, object?> { ["protocol"] = "imap", ["listener"] = listener, ["reason"] = "tls_handshake" }, rejected.Tags);
    }

    [Fact]
    public async Task ReloadsAreCountedByResult()
    {
        using var m = new FrontendMeasurements(fixture.Proxy.Services);
        var reload = fixture.Proxy.Services.GetRequiredService<ConfigurationReload>();
        Assert.True(await reload.ReloadAsync());

        // A configuration that cannot be applied: the in-memory source the next read builds from gets a bad value.
        var source = ((IConfigurationBuilder)fixture.Proxy.Services.GetRequiredService<IConfiguration>()).Sources.OfType<MemoryConfigurationSource>()
            .Single(s => s.InitialData?.Any(p => p.Key == "Mail:Timeout") == true);
        var good = source.InitialData!.ToList();
        source.InitialData = good.Select(p => p.Key == "Mail:Timeout" ? new KeyValuePair<string, string?>(p.Key, "not a time") : p).ToList();
        try
        {
            Assert.False(await reload.ReloadAsync());
        }
        finally
        {
            source.InitialData = good;
        }

        Assert.Equal(1, Assert.Single(m.Counter("orleansmail.config.reloads", ("result", "ok"))).Value);
        Assert.Equal(1, Assert.Single(m.Counter("orleansmail.config.reloads", ("result", "failed"))).Value);
    }

    /// <summary>Each mail listener's Kestrel server reports to the host's meters too (kestrel.active_connections by server.port).</summary>
    [Fact]
    public async Task KestrelsOwnConnectionMetricsCoverTheMailListeners()
    {
        var factory = fixture.Proxy.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var active = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(factory, "Microsoft.AspNetCore.Server.Kestrel", "kestrel.active_connections");
        var port = fixture.Proxy.Port("imap");
        bool OnListener(Microsoft.Extensions.Diagnostics.Metrics.Testing.CollectedMeasurement<long> m) =>
            m.Tags.TryGetValue("server.port", out var value) && value?.ToString() == port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using (var client = await LineClient.ConnectAsync(port))
        {
            Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            // Another test's connection to this listener may close meanwhile (its -1): look for this one's +1.
            Assert.Contains(active.GetMeasurementSnapshot(), m => OnListener(m) && m.Value == 1);
        }
        await FrontendMeasurements.WaitForAsync(() => active.GetMeasurementSnapshot().Where(OnListener).Sum(m => m.Value) <= 0, "the connection's close");
    }

    /// <summary>Label values are bounded sets: never the login or the client's address (listeners and upstreams are host:port).</summary>
    private static void AssertNoPersonalLabels(FrontendMeasurements m)
    {
        var values = m.AllTagValues().Select(v => v?.ToString() ?? "").ToList();
        Assert.NotEmpty(values);
        Assert.DoesNotContain(values, v => v.Contains("alice", StringComparison.Ordinal) || v.Contains("mallory", StringComparison.Ordinal) || v is "127.0.0.1" or "127.0.0.3");
    }
}
