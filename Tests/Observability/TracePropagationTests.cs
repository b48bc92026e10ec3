using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Frontend.Auth;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Observability;

/// <summary>
/// One trace per login (README "Observability"): a login decided inside a front-end span (as the session's
/// <c>{protocol} login</c> span) continues into the Orleans grain call (activity propagation on the silo and the
/// client) and into the auth_http request, whose HttpClient span shares the TraceId and whose <c>traceparent</c>
/// header reaches the auth server with it.
/// </summary>
public sealed class TracePropagationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheGrainCallAndTheAuthRequestContinueTheLoginTrace()
    {
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Fail("Invalid login or password"));
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => TelemetryServiceCollectionExtensions.ActivitySources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var proxy = await ProxyUnderTest.StartAsync([("AuthHttp", auth.Url)], new Dictionary<string, (string, string)[]> { ["imap"] = [] });

        var login = "trace-" + Guid.NewGuid().ToString("N")[..8];
        var attempt = new LoginAttempt(MailProtocol.Imap, AuthMethod.Plain, login, "wrong-secret", null, "192.0.2.7", 1, null, auth.Endpoint());
        ActivityTraceId traceId;
        using (var span = OrleansMailTelemetry.ActivitySource.StartActivity("imap login"))
        {
            Assert.NotNull(span);
            traceId = span.TraceId;
            var decision = await proxy.Services.GetRequiredService<LoginGrainClient>().DecideAsync(attempt, TimeSpan.FromSeconds(10), Ct);
            Assert.NotEqual(LoginOutcome.Allowed, decision.Outcome);
        }

        var inTrace = spans.Where(s => s.TraceId == traceId).ToList();
        string Describe() => string.Join("; ", inTrace.Select(s => $"{s.Source.Name}: {s.DisplayName}"));
        Assert.True(inTrace.Any(s => s.DisplayName == "IUserLoginGrain/DecideLogin"), Describe());
        Assert.True(inTrace.Any(s => s.Source.Name == "System.Net.Http"), Describe());
        var request = Assert.Single(auth.Requests, r => r["Auth-User"] == login);
        Assert.Contains(traceId.ToHexString(), request["traceparent"] ?? "(no traceparent header)", StringComparison.Ordinal);
    }
}
