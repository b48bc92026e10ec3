using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Upstreams;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Upstream grains and placement on a two-silo cluster against a real Dovecot and a real HTTP auth server: active
/// checks by greeting, passive reports, every silo's health cache, the login grain choosing from the pool by
/// rendezvous order, and drain / maintenance through the admin operations.
/// </summary>
[Collection(UpstreamClusterCollection.Name)]
public sealed class UpstreamGrainTests(UpstreamClusterFixture fixture)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private UpstreamAdministration Admin => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<UpstreamAdministration>();

    private IUpstreamGrain Grain(MailProtocol protocol, PoolUpstream upstream) =>
        fixture.Cluster.Client.GetGrain<IUpstreamGrain>(UpstreamKey.For(protocol, upstream.Address));

    private IEnumerable<UpstreamHealthCache> Caches => fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<UpstreamHealthCache>());

    private static LoginAttempt Attempt(MailProtocol protocol, AuthHttpEndpoint endpoint, string login) =>
        new(protocol, AuthMethod.Plain, login, "pw", null, "192.0.2.7", 1, null, endpoint);

    /// <summary>An auth server that says OK and names no upstream (nginx would fail such a login).</summary>
    private static Task<TestAuthServer> NoUpstreamAuthServerAsync() => TestAuthServer.StartAsync(_ => AuthReply.With(("Auth-Status", "OK")));

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) => Eventually.AssertAsync(condition, what, Settle);

    /// <summary>Waits until every silo's cache sees <paramref name="upstream"/> in <paramref name="state"/>.</summary>
    private Task CachesSeeAsync(MailProtocol protocol, PoolUpstream upstream, UpstreamState state) =>
        EventuallyAsync(() => Task.FromResult(Caches.All(c => c.Get(protocol, upstream.Address)?.State == state)),
            $"every silo sees {upstream.Address} {state}");

    /// <summary>Waits until every silo sees <see cref="Settled"/>.</summary>
    private Task SettledAsync() => EventuallyAsync(() => Task.FromResult(Settled()), "every silo sees both IMAP servers up and the other two down");

    /// <summary>Whether every silo sees both real IMAP upstreams up and the wrong-greeting and closed ones down, now.</summary>
    private bool Settled() => Caches.All(c => SettledHealth.All(e => c.Get(MailProtocol.Imap, e.Upstream.Address)?.State == e.State));

    private (PoolUpstream Upstream, UpstreamState State)[] SettledHealth =>
        [(fixture.Imap1, UpstreamState.Up), (fixture.Imap2, UpstreamState.Up), (fixture.WrongGreeting, UpstreamState.Down), (fixture.Closed, UpstreamState.Down)];

    [Fact]
    public async Task ChecksTellARealServerFromAWrongGreetingAndAClosedPort()
    {
        await SettledAsync();
        var statuses = (await Admin.ListAsync()).ToDictionary(s => (s.Protocol, s.Address));
        Assert.Equal(6, statuses.Count);
        Assert.Equal(UpstreamState.Up, statuses[(MailProtocol.Imap, fixture.Imap1.Address)].State);
        Assert.NotNull(statuses[(MailProtocol.Imap, fixture.Imap1.Address)].LastCheck);
        var wrong = statuses[(MailProtocol.Imap, fixture.WrongGreeting.Address)];
        Assert.StartsWith("unexpected greeting: +OK", wrong.LastError, StringComparison.Ordinal);
        Assert.False(wrong.Healthy);
        Assert.Equal("ConnectionRefused", statuses[(MailProtocol.Imap, fixture.Closed.Address)].LastError);
        // Dovecot's POP3 port is exactly what the POP3 pool expects.
        Assert.Equal(UpstreamState.Up, statuses[(MailProtocol.Pop3, fixture.WrongGreeting.Address)].State);
    }

    [Fact]
    public async Task ConnectFailuresReportedByFrontEndsMarkDownAndTheChecksBringItBackUp()
    {
        await SettledAsync();
        var grain = Grain(MailProtocol.Imap, fixture.Imap2);
        // Two reports in a row (CheckFails = 2); a passing probe between them starts the count again, so repeat.
        UpstreamStatus? down = null;
        await EventuallyAsync(async () =>
        {
            await grain.ReportConnectFailure("ConnectionRefused");
            await grain.ReportConnectFailure("ConnectionRefused");
            var status = await grain.Status();
            // A passing probe may land between the reports and this read: it clears the error (and, twice, the
            // state), so only a read that still shows the reports' own error counts.
            if (status is { State: UpstreamState.Down, LastError: "front end could not connect: ConnectionRefused" }) down = status;
            return down is not null;
        }, "reports mark it down");
        Assert.Equal(UpstreamState.Down, down!.State);

        // The server is fine: two passing probes later it is up again, on every silo.
        await CachesSeeAsync(MailProtocol.Imap, fixture.Imap2, UpstreamState.Up);
    }

    [Fact]
    public async Task ALoginWithoutAuthServerGoesToTheFirstHealthyUpstreamOfItsRendezvousOrderEveryTime()
    {
        await using var auth = await NoUpstreamAuthServerAsync();
        var healthy = new[] { fixture.Imap1.Address, fixture.Imap2.Address };
        var placed = new List<string>();
        Task<LoginDecision> DecideAsync(string login) =>
            fixture.Cluster.Client.GetGrain<IUserLoginGrain>(login).DecideLogin(Attempt(MailProtocol.Imap, auth.Endpoint(), login), Ct);
        for (var i = 0; i < 40; i++)
        {
            var login = $"placed-{i}@example.org";
            var order = RendezvousHash.Order(login, fixture.Pools.Imap, u => u.Address).Select(u => u.Address).ToList();
            var expected = order.Where(healthy.Contains).Concat(order.Where(a => !healthy.Contains(a))).ToList();
            LoginDecision[] decisions;
            do
            {
                await SettledAsync();
                decisions = [await DecideAsync(login), await DecideAsync(login)];
            }
            // The checks are real probes every 200 ms: under load two in a row can time out and turn a healthy upstream
            // down between the settling and the decisions, which then rightly follow another order. Such a login is
            // decided again once the silos agree with the expected health.
            while (!Settled());
            foreach (var decision in decisions)
            {
                Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
                Assert.Equal(expected[0], UpstreamKey.Address(decision.UpstreamHost!, decision.UpstreamPort));
                Assert.Equal(expected.Skip(1).Take(2), decision.UpstreamFallbacks!);
                Assert.Equal((login, "pw"), (decision.UpstreamLogin, decision.UpstreamPassword));
            }
            placed.Add(expected[0]);
        }

        // Both healthy upstreams take a share; the down ones none.
        Assert.All(healthy, a => Assert.Contains(a, placed));
        // Each login asked the auth server once: its second decision (and any decided again) came from the login
        // grain's cache, with placement still applied.
        Assert.Equal(40, auth.RequestCount);
    }

    [Fact]
    public async Task AnUpstreamTheAuthServerNamesIsKeptWithoutFallbacksUnlessPoolsArePreferred()
    {
        await using var auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.9", 143));
        var decision = await fixture.Cluster.Client.GetGrain<IUserLoginGrain>("named@example.org")
            .DecideLogin(Attempt(MailProtocol.Imap, auth.Endpoint(), "named@example.org"), Ct);
        Assert.Equal(LoginDecision.Allow("10.0.0.9", 143, "named@example.org", "pw"), decision);
        Assert.Null(decision.UpstreamFallbacks);
    }

    [Fact]
    public async Task WithoutAPoolAnOkNamingNoUpstreamIsNginxsInternalError()
    {
        await using var auth = await NoUpstreamAuthServerAsync();
        var decision = await fixture.Cluster.Client.GetGrain<IUserLoginGrain>("smtp@example.org")
            .DecideLogin(Attempt(MailProtocol.Smtp, auth.Endpoint(), "smtp@example.org"), Ct);
        Assert.Equal(LoginDecision.InternalError("auth http server did not send server or port"), decision);
    }

    [Fact]
    public async Task DrainMovesOnlyTheDrainedUpstreamsLoginsMaintenanceRemovesItAndUndrainBringsThemBack()
    {
        await using var auth = await NoUpstreamAuthServerAsync();
        var pool = fixture.Pools.Pop3;
        var drained = pool[0];
        await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Up);
        await CachesSeeAsync(MailProtocol.Pop3, pool[1], UpstreamState.Up);
        var logins = Enumerable.Range(0, 30).Select(i => $"drain-{i}@example.org").ToList();

        async Task<Dictionary<string, LoginDecision>> PlaceAllAsync() =>
            (await Task.WhenAll(logins.Select(async l => (l, await fixture.Cluster.Client.GetGrain<IUserLoginGrain>(l)
                .DecideLogin(Attempt(MailProtocol.Pop3, auth.Endpoint(), l), Ct))))).ToDictionary(p => p.l, p => p.Item2);
        static string Where(LoginDecision d) => UpstreamKey.Address(d.UpstreamHost!, d.UpstreamPort);

        var before = await PlaceAllAsync();
        Assert.Contains(before.Values, d => Where(d) == drained.Address);
        Assert.Contains(before.Values, d => Where(d) != drained.Address);

        try
        {
            var changed = await Admin.SetModeAsync("127.0.0.1:" + drained.Port, MailProtocol.Pop3, UpstreamMode.Draining);
            Assert.Equal(UpstreamState.Draining, Assert.Single(changed!).State);
            await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Draining);
            var whileDrained = await PlaceAllAsync();
            foreach (var login in logins)
            {
                // Everyone is placed on the other upstream; the drained one stays a last resort in the fallbacks.
                Assert.Equal(pool[1].Address, Where(whileDrained[login]));
                Assert.Equal([drained.Address], whileDrained[login].UpstreamFallbacks!);
            }

            await Admin.SetModeAsync(drained.Address, null, UpstreamMode.Maintenance);
            await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Maintenance);
            Assert.All((await PlaceAllAsync()).Values, d => Assert.Empty(d.UpstreamFallbacks!));
        }
        finally
        {
            await Admin.SetModeAsync(drained.Address, null, UpstreamMode.Active);
        }

        await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Up);
        var after = await PlaceAllAsync();
        Assert.All(logins, l => Assert.Equal(Where(before[l]), Where(after[l])));
        Assert.Null(await Admin.SetModeAsync("10.9.9.9:110", null, UpstreamMode.Draining));
    }

    [Fact]
    public async Task EverySiloReportsEachPoolsMembersByStateFollowingHealthAndDrain()
    {
        using var members = fixture.Record<int>("orleansmail.upstream.pool.members");
        await SettledAsync();
        var drained = fixture.Pools.Pop3[0];
        await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Up);
        await CachesSeeAsync(MailProtocol.Pop3, fixture.Pools.Pop3[1], UpstreamState.Up);
        (string, object?)[] Pool(string pool, string state) => [("protocol", pool), ("pool", pool), ("state", state)];

        // Each silo's copy, every state reported: the IMAP pool's wrong greeting and closed port are down. Another
        // test's reports may still be healing in one silo's copy: wait for both copies to show the settled pool.
        await EventuallyAsync(() =>
        {
            members.Observe();
            return Task.FromResult(members.LastObserved(Pool("imap", "up")).SequenceEqual([2, 2])
                && members.LastObserved(Pool("imap", "down")).SequenceEqual([2, 2]));
        }, "every silo's gauge shows the settled IMAP pool");
        Assert.Equal([2, 2], members.LastObserved(Pool("imap", "up")));
        Assert.Equal([2, 2], members.LastObserved(Pool("imap", "down")));
        Assert.Equal([0, 0], members.LastObserved(Pool("imap", "draining")));
        Assert.Equal([2, 2], members.LastObserved(Pool("pop3", "up")));
        Assert.Equal([0, 0], members.LastObserved(Pool("pop3", "maintenance")));
        Assert.Empty(members.With(("pool", "smtp")));

        // Front ends report an upstream they cannot reach: down on every silo's gauge, then up again after its probes.
        var reported = Grain(MailProtocol.Imap, fixture.Imap1);
        await EventuallyAsync(async () =>
        {
            await reported.ReportConnectFailure("ConnectionRefused");
            await reported.ReportConnectFailure("ConnectionRefused");
            await Task.WhenAll(Caches.Select(c => c.RefreshAsync()));
            members.Observe();
            return members.LastObserved(Pool("imap", "down")).SequenceEqual([3, 3]);
        }, "every silo's gauge shows the reported upstream down");
        Assert.Equal([1, 1], members.LastObserved(Pool("imap", "up")));
        await EventuallyAsync(() =>
        {
            members.Observe();
            return Task.FromResult(members.LastObserved(Pool("imap", "up")).SequenceEqual([2, 2]));
        }, "every silo's gauge shows it up again");

        try
        {
            await Admin.SetModeAsync(drained.Address, MailProtocol.Pop3, UpstreamMode.Draining);
            await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Draining);
            members.Observe();
            Assert.Equal([1, 1], members.LastObserved(Pool("pop3", "up")));
            Assert.Equal([1, 1], members.LastObserved(Pool("pop3", "draining")));
        }
        finally
        {
            await Admin.SetModeAsync(drained.Address, null, UpstreamMode.Active);
        }

        await CachesSeeAsync(MailProtocol.Pop3, drained, UpstreamState.Up);
        members.Observe();
        Assert.Equal([2, 2], members.LastObserved(Pool("pop3", "up")));
        Assert.DoesNotContain(members.TagValues, v => v is string s && s.Contains(':', StringComparison.Ordinal));
    }
}
