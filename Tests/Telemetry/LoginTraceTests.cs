using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMail.Grains.Telemetry;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Telemetry;

/// <summary>
/// The front end's spans of the login trace (README "Observability"), seen by an <see cref="ActivityListener"/> on the
/// <c>OrleansMail</c> source: one <c>imap login</c> span per session with the protocol, mechanism, result and upstream,
/// children <c>upstream connect</c> and <c>upstream login</c>; the login as <c>enduser.id</c> only with <c>Telemetry:TraceLogins=true</c>; never the password.
/// </summary>
public sealed class LoginTraceTests : IClassFixture<TelemetryProxyFixture>, IDisposable
{
    private readonly TelemetryProxyFixture _fixture;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public LoginTraceTests(TelemetryProxyFixture fixture)
    {
        _fixture = fixture;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OrleansMailTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task ALoginIsOneSpanWithItsAttributesAndAnUpstreamConnectChildButNoLogin()
    {
        var port = _fixture.Proxy.Port("imap");
        await LogInAndOutAsync(port);

        var login = await LoginSpanAsync(port);
        Assert.Equal("imap login", login.DisplayName);
        Assert.Equal(ActivityKind.Server, login.Kind);
        Assert.Equal("imap", login.GetTagItem("mail.protocol"));
        Assert.Equal("login", login.GetTagItem("mail.mechanism"));
        Assert.Equal("ok", login.GetTagItem("mail.result"));
        var upstream = $"{_fixture.Dovecot.Host}:{_fixture.Dovecot.ImapPort}";
        Assert.Equal(upstream, login.GetTagItem("mail.upstream"));
        Assert.Null(login.GetTagItem("enduser.id"));
        Assert.DoesNotContain(login.TagObjects, t => t.Value?.ToString()?.Contains("alice", StringComparison.Ordinal) == true);

        var connect = Assert.Single(_stopped, a => a.ParentSpanId == login.SpanId && a.DisplayName == "upstream connect");
        Assert.Equal(login.TraceId, connect.TraceId);
        Assert.Equal(ActivityKind.Client, connect.Kind);
        Assert.Equal(upstream, connect.GetTagItem("mail.upstream"));
        Assert.Equal("auth_server", connect.GetTagItem("mail.pool"));
        var upstreamLogin = Assert.Single(_stopped, a => a.ParentSpanId == login.SpanId && a.DisplayName == "upstream login");
        Assert.Equal(upstream, upstreamLogin.GetTagItem("mail.upstream"));
        Assert.Equal(ActivityStatusCode.Unset, upstreamLogin.Status);
        Assert.True(connect.StartTimeUtc <= upstreamLogin.StartTimeUtc);
    }

    [Fact]
    public async Task ARefusedLoginsSpanSaysFailed()
    {
        using var answer = _fixture.Stack.AnswerFor("alice", _ => AuthReply.Fail("Invalid login or password"));
        var port = _fixture.Proxy.Port("imap");
        await using (var client = await LineClient.ConnectAsync(port))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a LOGIN alice wrong-password\r\n");
            await client.ReadUntilAsync("a ");
        }
        var login = await LoginSpanAsync(port);
        Assert.Equal("failed", login.GetTagItem("mail.result"));
        Assert.Null(login.GetTagItem("mail.upstream"));
        Assert.DoesNotContain(_stopped, a => a.ParentSpanId == login.SpanId);
        Assert.DoesNotContain(login.TagObjects, t => t.Value?.ToString()?.Contains("wrong-password", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task WithTraceLoginsTheSpanCarriesTheLogin()
    {
        await using var proxy = await ProxyUnderTest.StartAsync(
            [("AuthHttp", _fixture.Auth.Url), ("AuthHttpTimeout", "5s"), ("Timeout", "10s")],
            new Dictionary<string, (string, string)[]> { ["imap"] = [] },
            [("Telemetry:TraceLogins", "true")]);
        await LogInAndOutAsync(proxy.Port());

        var login = await LoginSpanAsync(proxy.Port());
        Assert.Equal("alice", login.GetTagItem("enduser.id"));
        Assert.DoesNotContain(login.TagObjects, t => t.Value?.ToString()?.Contains("alice-password", StringComparison.Ordinal) == true);
    }

    private static async Task LogInAndOutAsync(int port)
    {
        await using var client = await LineClient.ConnectAsync(port);
        await client.ReadLineAsync();
        await client.SendAsync("a LOGIN alice alice-password\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
        await client.SendAsync("b LOGOUT\r\n");
        await client.ReadUntilAsync("b ");
    }

    /// <summary>The one login span of the listener on <paramref name="port"/>, waited for up to 10 s (it ends at relay start or at the session's end).</summary>
    private async Task<Activity> LoginSpanAsync(int port)
    {
        for (var waited = 0; ; waited += 50)
        {
            var spans = _stopped.Where(a => a.DisplayName.EndsWith(" login", StringComparison.Ordinal) && Equals(a.GetTagItem("server.port"), port)).ToList();
            if (spans.Count > 0) return Assert.Single(spans);
            Assert.True(waited < 10_000, $"no login span for port {port}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose() => _listener.Dispose();
}
