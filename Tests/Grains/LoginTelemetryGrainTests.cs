using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Diagnostics;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Grains.LoginAttackGrainTests;
using static OrleansMail.Tests.Grains.TestLogins;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The login grains' metrics, <see cref="LoginDecision.ThrottledBy"/> and span attributes, exact values, on the attack
/// cluster (cache on, throttling at its defaults, guessing budget 10, virtual time) with a real HTTP auth server
/// answering every failure with Auth-Wait: 3: the auth_http histogram, the cache lookups, one throttle engagement per
/// rule decision, the grain call's span attributes, and no label or attribute value that is a login or an address.
/// </summary>
[Collection(LoginAttackClusterCollection.Name)]
public sealed class LoginTelemetryGrainTests(LoginAttackClusterFixture fixture) : IDisposable
{
    private static readonly (string, object?) Imap = ("protocol", "imap");

    private readonly InstrumentRecorder<double> _authHttp = fixture.Record<double>("orleansmail.auth_http.duration");
    private readonly InstrumentRecorder<long> _authErrors = fixture.Record<long>("orleansmail.auth_http.errors");
    private readonly InstrumentRecorder<long> _cache = fixture.Record<long>("orleansmail.auth.cache.lookups");
    private readonly InstrumentRecorder<long> _throttle = fixture.Record<long>("orleansmail.throttle.engagements");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private void Advance(TimeSpan by) => fixture.Time.Advance(by);

    public void Dispose()
    {
        _authHttp.Dispose();
        _authErrors.Dispose();
        _cache.Dispose();
        _throttle.Dispose();
    }

    /// <summary>No label of any grain instrument carries a login or a client address.</summary>
    private void NoTagValueIsOneOf(params string[] secrets)
    {
        var values = _authHttp.TagValues.Concat(_authErrors.TagValues).Concat(_cache.TagValues).Concat(_throttle.TagValues).ToList();
        Assert.NotEmpty(values);
        Assert.All(values, v => Assert.DoesNotContain(v as string, secrets));
    }

    [Fact]
    public async Task AnAllowedLoginIsOneAuthSampleAndACacheMissItsRepeatAHitAndLocalRefusalsNameTheirRule()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var (home, attacker) = (UniqueAddress(), UniqueAddress());

        var allowed = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct);
        Assert.Equal((LoginOutcome.Allowed, null), (allowed.Outcome, allowed.ThrottledBy));
        Assert.Equal(1, _authHttp.Count(Imap, ("result", "ok")));
        Assert.Equal(1, _cache.Sum(Imap, ("result", "miss")));

        // The same again: answered by the cache, no second auth_http sample.
        var again = await fixture.GrainFromOtherFrontEnd(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", home), Ct);
        Assert.Equal((LoginOutcome.Allowed, null), (again.Outcome, again.ThrottledBy));
        Assert.Equal((1, 1, 1), (_authHttp.All.Count, _cache.Sum(Imap, ("result", "hit")), _cache.Sum(Imap, ("result", "miss"))));

        // A wrong password: the auth server refuses (its own decision, not a throttle).
        var refused = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "wrong", attacker), Ct);
        Assert.Equal((LoginOutcome.Refused, null), (refused.Outcome, refused.ThrottledBy));
        Assert.Equal(1, _authHttp.Count(Imap, ("result", "refused")));

        // At once again: inside its Auth-Wait; after it, the same wrong password is repeated locally.
        var held = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "wrong", attacker), Ct);
        Assert.Equal((LoginOutcome.RetryLater, "auth_wait"), (held.Outcome, held.ThrottledBy));
        Advance(TimeSpan.FromSeconds(3));
        var repeated = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "wrong", attacker), Ct);
        Assert.Equal((LoginOutcome.Refused, "repeated_refusal"), (repeated.Outcome, repeated.ThrottledBy));

        Assert.Equal((1, 1, 2), (_throttle.Sum(("rule", "auth_wait")), _throttle.Sum(("rule", "repeated_refusal")), _throttle.All.Count));
        Assert.Equal((2, 0), (_authHttp.All.Count, _authErrors.All.Count));
        Assert.Equal((1, 3), (_cache.Sum(("result", "hit")), _cache.Sum(("result", "miss"))));
        Assert.Equal(2, auth.RequestCount);
        NoTagValueIsOneOf(login, home, attacker);
    }

    [Fact]
    public async Task TheLoginAndAddressThresholdsNameTheirRule()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var attacker = UniqueAddress();

        // bruteforce_login_threshold 5: five distinct wrong passwords lock the prefix out of this login.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null((await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", attacker), Ct)).ThrottledBy);
            Advance(TimeSpan.FromSeconds(3));
        }
        var locked = await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, "right", attacker), Ct);
        Assert.Equal((LoginOutcome.Refused, "login_threshold"), (locked.Outcome, locked.ThrottledBy));

        // bruteforce_address_threshold 20: twenty logins, one wrong guess each from one prefix, lock it out of every login.
        var sprayer = UniqueAddress();
        var sprayed = Enumerable.Range(0, 20).Select(_ => UniqueLogin("spray")).ToList();
        foreach (var other in sprayed)
            await fixture.Grain(other).DecideLogin(Attempt(auth.Endpoint(), other, "guess", sprayer), Ct);
        var victim = UniqueLogin("victim");
        var sprayLocked = await fixture.Grain(victim).DecideLogin(Attempt(auth.Endpoint(), victim, "guess", sprayer), Ct);
        Assert.Equal((LoginOutcome.Refused, "address_threshold"), (sprayLocked.Outcome, sprayLocked.ThrottledBy));

        Assert.Equal((1, 1, 2), (_throttle.Sum(("rule", "login_threshold")), _throttle.Sum(("rule", "address_threshold")), _throttle.All.Count));
        Assert.Equal(25, _authHttp.Count(Imap, ("result", "refused")));
        NoTagValueIsOneOf([login, victim, attacker, sprayer, .. sprayed]);
    }

    [Fact]
    public async Task PastTheGuessingBudgetTurnsAreLoginBudgetAndAFullQueueIsAdmissionQueue()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        for (var i = 0; i < 10; i++)
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"guess {i}", UniqueAddress()), Ct);

        // One bot reaches the auth server, sixty get turns (AdmissionQueue.MaxWaiting), the next one the temporary failure.
        var bots = new List<LoginDecision>();
        for (var i = 0; i < 62; i++)
            bots.Add(await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, $"bot {i}", UniqueAddress()), Ct));

        Assert.Equal((LoginOutcome.Refused, null), (bots[0].Outcome, bots[0].ThrottledBy));
        Assert.All(bots[1..61], b => Assert.Equal((LoginOutcome.RetryLater, "login_budget"), (b.Outcome, b.ThrottledBy)));
        Assert.Equal((LoginOutcome.TemporaryFailure, "admission_queue"), (bots[61].Outcome, bots[61].ThrottledBy));
        Assert.Equal((60, 1), (_throttle.Sum(("rule", "login_budget")), _throttle.Sum(("rule", "admission_queue"))));
        Assert.Equal(11, _authHttp.All.Count);

        await fixture.Admin.UnblockAsync(login, null);
    }

    [Fact]
    public async Task TheGrainCallsSpanCarriesProtocolMechanismAndResultNeverTheLogin()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(new() { [login] = "right" }));
        var address = UniqueAddress();
        using var source = new ActivitySource("OrleansMail.Tests.LoginTrace");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source || s.Name == ActivitySources.RuntimeActivitySourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        // One trace per login, as the front end's "imap login" span starts it.
        async Task<Activity> TraceAsync(string secret)
        {
            using var root = source.StartActivity("imap login")!;
            await fixture.Grain(login).DecideLogin(Attempt(auth.Endpoint(), login, secret, address), Ct);
            // The grain's server span may stop just after the reply reached the caller.
            await Eventually.HoldsAsync(() => stopped.Any(Decided));
            return Assert.Single(stopped, Decided);

            bool Decided(Activity a) => a.TraceId == root.TraceId && a.GetTagItem("mail.result") is not null;
        }

        Activity[] spans = [await TraceAsync("right"), await TraceAsync("wrong"), await TraceAsync("wrong")];
        Assert.Equal(("imap", "plain", "ok", null), Attributes(spans[0]));
        Assert.Equal(("imap", "plain", "failed", null), Attributes(spans[1]));
        Assert.Equal(("imap", "plain", "throttled", "auth_wait"), Attributes(spans[2]));

        var ours = spans.SelectMany(a => a.TagObjects).Where(t => t.Key.StartsWith("mail.", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, ours.Count);

        // Orleans' own spans of these traces (grain calls, activation, storage) name the login and address grains by
        // their keys; once redacted as the exporter does, no attribute of the whole trace carries them.
        var traces = spans.Select(s => s.TraceId).ToHashSet();
        var all = stopped.Where(a => traces.Contains(a.TraceId)).ToList();
        Assert.Contains(all, a => a.TagObjects.Any(t => t.Value is string v && v.Contains(login, StringComparison.Ordinal)));
        all.ForEach(a => GrainKeyRedaction.Redact(a));
        string[] secrets = [login, address, "right", "wrong"];
        Assert.DoesNotContain(all.SelectMany(a => a.TagObjects),
            t => t.Value is string v && secrets.Any(secret => v.Contains(secret, StringComparison.Ordinal)));
        Assert.Contains(all, a => Equals(a.GetTagItem("orleans.rpc.target_id"), "userlogin/(redacted)"));

        static (object?, object?, object?, object?) Attributes(Activity a) =>
            (a.GetTagItem("mail.protocol"), a.GetTagItem("mail.mechanism"), a.GetTagItem("mail.result"), a.GetTagItem("mail.throttle.rule"));
    }
}
