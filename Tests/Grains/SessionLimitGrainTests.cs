using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Concurrent-session limits on a two-silo cluster against a real HTTP auth server: the limits hold under parallel
/// logins from two front ends, a release or an expired lease frees a slot, renewals keep it, a renewal the grain does
/// not know registers the lease again, and a released lease stays released.
/// </summary>
[Collection(SessionLimitClusterCollection.Name)]
public sealed class SessionLimitGrainTests(SessionLimitClusterFixture fixture) : IAsyncLifetime
{
    private const string FrontEndA = "frontend-a";
    private const string FrontEndB = "frontend-b";

    private static readonly TimeSpan Ttl = SessionLimitClusterFixture.Policy.SessionLeaseTtl;

    private TestAuthServer _auth = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string UniqueLogin() => $"user-{Guid.NewGuid():N}@example.org";

    private static string UniqueAddress() => $"10.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    public async ValueTask InitializeAsync() =>
        _auth = await TestAuthServer.StartAsync(_ => AuthReply.Ok("10.0.0.9", 143));

    public async ValueTask DisposeAsync() => await _auth.DisposeAsync();

    /// <summary>The front end <paramref name="frontEnd"/>'s view of the login grain: A is the cluster client, B a silo.</summary>
    private IUserLoginGrain Grain(string login, string frontEnd = FrontEndA) =>
        (frontEnd == FrontEndA ? fixture.Cluster.Client : fixture.Cluster.Silos[^1].ServiceProvider.GetRequiredService<IGrainFactory>())
            .GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));

    private Task<LoginDecision> LoginAsync(string login, string address, string? frontEnd = FrontEndA, AuthMethod method = AuthMethod.Plain) =>
        Grain(login, frontEnd ?? FrontEndA).DecideLogin(
            new LoginAttempt(MailProtocol.Imap, method, login, "pw", null, address, 1, null, _auth.Endpoint(), FrontEnd: frontEnd), Ct);

    /// <summary>
    /// Releases one-way, then waits (real time, bounded) until the login grain has freed the slot: a one-way call
    /// returns once sent, and is not ordered with the calls that follow it.
    /// </summary>
    private async Task ReleaseAsync(string login, SessionLease lease, string frontEnd = FrontEndA)
    {
        await Grain(login, frontEnd).ReleaseSession(lease.LeaseId);
        await Eventually.AssertAsync(async () => (await Grain(login).Report()).Sessions.All(s => s.LeaseId != lease.LeaseId), "the slot freed");
    }

    private static SessionLease Granted(LoginDecision decision)
    {
        Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
        Assert.Equal(Ttl, decision.SessionLeaseTtl);
        return Assert.IsType<SessionLease>(decision.Session);
    }

    private static void RefusedUserIp(LoginDecision decision)
    {
        Assert.Equal(LoginOutcome.SessionLimit, decision.Outcome);
        Assert.Equal("Maximum number of connections from user+IP exceeded (session_limit_per_login_address=2)", decision.Message);
        Assert.Null(decision.Session);
        Assert.Null(decision.UpstreamPassword);
    }

    [Fact]
    public async Task ParallelLoginsFromTwoFrontEndsNeverExceedTheLimit()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => LoginAsync(login, address, i % 2 == 0 ? FrontEndA : FrontEndB)));

        Assert.Equal(2, decisions.Count(d => d.Outcome == LoginOutcome.Allowed));
        Assert.All(decisions.Where(d => d.Outcome != LoginOutcome.Allowed), RefusedUserIp);
        Assert.Equal(2, decisions.Select(d => d.Session?.LeaseId).OfType<string>().Distinct().Count());
    }

    [Fact]
    public async Task ReleasingASessionFreesItsSlot()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();
        var first = Granted(await LoginAsync(login, address));
        Granted(await LoginAsync(login, address, FrontEndB));
        RefusedUserIp(await LoginAsync(login, address));

        await ReleaseAsync(login, first, FrontEndB);

        Granted(await LoginAsync(login, address));
        RefusedUserIp(await LoginAsync(login, address));
    }

    [Fact]
    public async Task ALeaseNobodyRenewsExpiresAndRenewedOnesStay()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();
        var kept = Granted(await LoginAsync(login, address));
        Granted(await LoginAsync(login, address, FrontEndB)); // front end B "dies": never renewed

        // A renewal every sixth of the TTL, for 1.7 TTLs of virtual time.
        for (var step = 0; step < 10; step++)
        {
            await Grain(login).RenewSessions([kept]);
            fixture.Time.Advance(Ttl / 6);
        }

        // B's lease has expired, A's was renewed well past its first TTL: one slot free, not two.
        Granted(await LoginAsync(login, address));
        RefusedUserIp(await LoginAsync(login, address));
        var sessions = (await Grain(login).Report()).Sessions;
        Assert.Equal(2, sessions.Count);
        Assert.Contains(sessions, s => s.LeaseId == kept.LeaseId);
    }

    [Fact]
    public async Task ARenewalTheGrainDoesNotKnowRegistersTheLeaseAgain()
    {
        // As after a silo crash: the reactivated grain starts empty and learns the sessions from the renewals.
        var login = UniqueLogin();
        var address = UniqueAddress();
        var now = fixture.Time.GetUtcNow();
        SessionLease Lease() => new(Guid.NewGuid().ToString("N"), login, address, MailProtocol.Imap, FrontEndB, now);

        await Grain(login, FrontEndB).RenewSessions([Lease(), Lease()]);

        RefusedUserIp(await LoginAsync(login, address));
        Assert.All((await Grain(login).Report()).Sessions, s => Assert.Equal(FrontEndB, s.FrontEnd));
    }

    [Fact]
    public async Task AReleasedLeaseStaysReleasedWhenALateRenewalArrives()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();
        var first = Granted(await LoginAsync(login, address));
        Granted(await LoginAsync(login, address));

        await ReleaseAsync(login, first);
        await Grain(login).RenewSessions([first]);

        Granted(await LoginAsync(login, address));
    }

    [Fact]
    public async Task ThePerLoginLimitCountsEveryAddress()
    {
        var login = UniqueLogin();
        for (var i = 0; i < 3; i++) Granted(await LoginAsync(login, UniqueAddress()));

        var refused = await LoginAsync(login, UniqueAddress());

        Assert.Equal(LoginOutcome.SessionLimit, refused.Outcome);
        Assert.Equal("Maximum number of connections for user exceeded (session_limit_per_login=3)", refused.Message);
    }

    [Fact]
    public async Task ThePerAddressLimitCountsEveryLoginExceptFromTrustedNetworks()
    {
        var address = UniqueAddress();
        var leases = new List<(string Login, SessionLease Lease)>();
        for (var i = 0; i < 4; i++)
        {
            var login = UniqueLogin();
            leases.Add((login, Granted(await LoginAsync(login, address, i % 2 == 0 ? FrontEndA : FrontEndB))));
        }

        var refused = await LoginAsync(UniqueLogin(), address);
        Assert.Equal(LoginOutcome.SessionLimit, refused.Outcome);
        Assert.Equal("Maximum number of connections from IP exceeded (session_limit_per_address=4)", refused.Message);

        // A release through the login grain frees the address's slot too.
        // (The login grain passes it on one-way too: the address's slot frees a moment later.)
        await ReleaseAsync(leases[0].Login, leases[0].Lease);
        await Eventually.AssertAsync(async () => (await LoginAsync(UniqueLogin(), address)).Outcome == LoginOutcome.Allowed, "a login from the address allowed again");
        Assert.Equal(LoginOutcome.SessionLimit, (await LoginAsync(UniqueLogin(), address)).Outcome);

        const string webmail = "198.51.100.7";
        for (var i = 0; i < 6; i++) Granted(await LoginAsync(UniqueLogin(), webmail));
    }

    [Fact]
    public async Task NoFrontEndOrNoLoginTakesNoSlot()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();
        for (var i = 0; i < 4; i++)
        {
            var decision = await LoginAsync(login, address, frontEnd: null);
            Assert.Equal(LoginOutcome.Allowed, decision.Outcome);
            Assert.Null(decision.Session);
        }

        // smtp_auth none: a sender with no login is not a user's session.
        for (var i = 0; i < 4; i++)
            Assert.Null((await LoginAsync("", address, method: AuthMethod.None)).Session);
        Assert.Empty((await Grain(login).Report()).Sessions);
    }

    [Fact]
    public async Task TheAdminApiListsSessionsWithoutSecrets()
    {
        var login = UniqueLogin();
        var address = UniqueAddress();
        var lease = Granted(await LoginAsync(login, address, FrontEndB));

        var sessions = await fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<LoginAdministration>().SessionsAsync(login);

        var session = Assert.Single(sessions);
        Assert.Equal(lease, session);
        Assert.Equal((address, FrontEndB, MailProtocol.Imap), (session.ClientAddress, session.FrontEnd, session.Protocol));
        Assert.InRange(session.Started, fixture.Time.GetUtcNow() - TimeSpan.FromMinutes(1), fixture.Time.GetUtcNow());
    }

    [Fact]
    public async Task EachLeaseIsHeldOncePerScopeUntilReleasedAndGoesWithItsActivation()
    {
        using var leases = fixture.Record<long>("orleansmail.session.leases");
        double Held(string scope) => leases.Sum(("scope", scope));
        var login = UniqueLogin();
        var address = UniqueAddress();

        var fromAddress = Granted(await LoginAsync(login, address));
        var fromTrusted = Granted(await LoginAsync(login, "198.51.100.9", FrontEndB));
        // Both count for the login; only the first for its address (trusted networks have no per-address limit).
        Assert.Equal((2, 1), (Held("login"), Held("address")));

        // The login grain's leases go with its activation; the front end's renewal brings them back.
        await fixture.Cluster.DeactivateAsync(Grain(login));
        Assert.Equal((0, 1), (Held("login"), Held("address")));
        await Grain(login).RenewSessions([fromAddress, fromTrusted]);
        Assert.Equal((2, 1), (Held("login"), Held("address")));

        await ReleaseAsync(login, fromAddress);
        await ReleaseAsync(login, fromTrusted, FrontEndB);
        await Eventually.AssertAsync(() => Held("address") == 0, "no session held for the address");
        Assert.Equal((0, 0), (Held("login"), Held("address")));
        Assert.All(leases.TagValues, v => Assert.DoesNotContain(v as string, new[] { login, address, fromAddress.LeaseId }));
    }
}
