using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;
using OrleansMail.Tests.Support;
using static OrleansMail.Tests.Grains.TestLogins;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// What a login costs once its decision is cached (README "Login policy", "The address threshold without a call per
/// login"), counted call by call on a two-silo cluster on virtual time (the login policy's defaults: thresholds 5 per
/// login and 20 per address): one grain call and no storage write; the
/// address threshold stays exact although no login asks the address grain (its lease is revoked before the refusal
/// that crosses the threshold is answered, even when the holder is the caller or is busy with the auth server); a
/// throttled prefix is let in again at the window's end or by Unblock; a lease ends by its TTL and with its address
/// grain's activation; the session's release is one-way and still frees the slot.
/// </summary>
[Collection(LoginAttackClusterCollection.Name)]
public sealed class WarmLoginGrainTests(LoginAttackClusterFixture fixture)
{
    private const string Backend = "10.0.0.9";

    private static readonly int AddressThreshold = LoginAttackClusterFixture.Policy.BruteforceAddressThreshold;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Users with the password "right"; an allowed decision is cached for an hour, so only leases expire in these tests.</summary>
    private static Func<RecordedAuthRequest, AuthReply> Users(params string[] logins) =>
        request => request.Decoded("Auth-Pass") is var pass && pass == "right" && logins.Contains(request.Decoded("Auth-User"))
            ? AuthReply.With(("Auth-Status", "OK"), ("Auth-Server", Backend), ("Auth-Port", "143"), ("Auth-Cache-TTL", "3600"))
            : AuthReply.Fail("Invalid login or password") with { Delay = pass == "slow" ? TimeSpan.FromSeconds(2) : TimeSpan.Zero };

    private Task<LoginDecision> LoginAsync(TestAuthServer auth, string login, string secret, string address) =>
        fixture.Grain(login).DecideLogin(
            new LoginAttempt(MailProtocol.Imap, AuthMethod.Plain, login, secret, null, address, 1, null, auth.Endpoint(), FrontEnd: "frontend-a"), Ct);

    /// <summary>
    /// The calls OrleansMail's grains received while <paramref name="act"/> ran, by method name; a storage write (the
    /// memory storage the test cluster uses instead of Redis is a grain, so its writes are calls too) fails the test.
    /// </summary>
    private async Task<IReadOnlyList<string>> CallsDuring(Func<Task> act)
    {
        var before = fixture.Calls.Calls.Count;
        await act();
        var calls = fixture.Calls.Calls.Skip(before).ToList();
        Assert.DoesNotContain(calls, c => c.Method.Contains("WriteState", StringComparison.Ordinal));
        return calls.Where(c => c.ToOrleansMail).Select(c => c.Method).ToList();
    }

    private static GrainId LoginGrainId(string login) => GrainId.Create(UserLoginGrain.GrainTypeName, LoginGrainKey.For(login, LoginCase.Insensitive));

    private static string Prefix(string address) => AddressPrefix.For(address, LoginAttackClusterFixture.Policy);

    /// <summary>Wrong (login, secret) pairs from <paramref name="address"/> across fresh logins, under the per-login threshold.</summary>
    private async Task SprayAsync(TestAuthServer auth, string address, int pairs)
    {
        var logins = Enumerable.Range(0, (pairs + 3) / 4).Select(_ => UniqueLogin("victim")).ToList();
        for (var i = 0; i < pairs; i++)
            Assert.Equal(LoginOutcome.Refused, (await LoginAsync(auth, logins[i % logins.Count], $"guess {i}", address)).Outcome);
    }

    private static void Allowed(LoginDecision decision) => Assert.Equal(LoginOutcome.Allowed, decision.Outcome);

    private static void RefusedByAddressThreshold(LoginDecision decision) =>
        Assert.Equal((LoginOutcome.Refused, ThrottleRule.AddressThreshold), (decision.Outcome, decision.ThrottledBy));

    /// <summary>Waits (real time, bounded) until the silos have received a call matching <paramref name="call"/>: a one-way call arrives after its sender moved on.</summary>
    private Task ReceivedAsync(Func<GrainCall, bool> call) => Eventually.AssertAsync(() => fixture.Calls.Calls.Any(call), "the call arrived");

    private async Task<string?> ETagAsync<T>(string stateName, GrainId grain)
    {
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        var state = new GrainState<T>();
        await storage.ReadStateAsync(stateName, grain, state);
        return state.ETag;
    }

    [Fact]
    public async Task AWarmLoginIsOneGrainCallAndWritesNothing()
    {
        var login = UniqueLogin();
        await using var auth = await TestAuthServer.StartAsync(Users(login));
        var address = UniqueAddress();
        // A typo first, so both grains have written state whose ETag must then stay put.
        Assert.Equal(LoginOutcome.Refused, (await LoginAsync(auth, login, "typo", address)).Outcome);
        Allowed(await LoginAsync(auth, login, "right", address));
        var addressGrain = GrainId.Create(ClientAddressGrain.GrainTypeName, Prefix(address));
        var etags = (await ETagAsync<LoginThrottleState>("throttle", LoginGrainId(login)), await ETagAsync<ClientAddressState>("address", addressGrain));
        Assert.NotNull(etags.Item1);
        Assert.NotNull(etags.Item2);

        for (var i = 0; i < 3; i++)
        {
            LoginDecision decision = null!;
            Assert.Equal(["DecideLogin"], await CallsDuring(async () => decision = await LoginAsync(auth, login, "right", address)));
            Allowed(decision);
            Assert.NotNull(decision.Session);
        }

        Assert.Equal(2, auth.RequestCount);
        Assert.Equal(etags, (await ETagAsync<LoginThrottleState>("throttle", LoginGrainId(login)), await ETagAsync<ClientAddressState>("address", addressGrain)));
    }

    [Fact]
    public async Task CrossingTheAddressThresholdRevokesEveryLeaseBeforeTheRefusalIsAnswered()
    {
        var (alice, bob) = (UniqueLogin("alice"), UniqueLogin("bob"));
        await using var auth = await TestAuthServer.StartAsync(Users(alice, bob));
        var (p, q) = (UniqueAddress(), UniqueAddress());
        Allowed(await LoginAsync(auth, alice, "right", p));
        Allowed(await LoginAsync(auth, bob, "right", p));
        Allowed(await LoginAsync(auth, alice, "right", q));

        // One short of the threshold: both still log in from P from their cache and lease, one call each.
        await SprayAsync(auth, p, AddressThreshold - 1);
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", p))));
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, bob, "right", p))));

        // The failure that crosses the threshold is Alice's own: her grain holds a lease and is the address grain's caller.
        var asked = auth.RequestCount;
        Assert.Equal(LoginOutcome.Refused, (await LoginAsync(auth, alice, "wrong", p)).Outcome);
        Assert.Equal(asked + 1, auth.RequestCount);
        Assert.Contains(fixture.Calls.Calls, c => (c.Target, c.Method) == (LoginGrainId(bob), "RevokeAddressLease"));

        // From then on, neither cached password gets in from P, and the auth server is not asked.
        RefusedByAddressThreshold(await LoginAsync(auth, alice, "right", p));
        RefusedByAddressThreshold(await LoginAsync(auth, bob, "right", p));
        Assert.Equal(asked + 1, auth.RequestCount);
        // Q is another prefix: Alice still logs in there with one call.
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", q))));

        // At the window's end P is let in again.
        fixture.Time.Advance(LoginAttackClusterFixture.Policy.BruteforceWindow);
        Allowed(await LoginAsync(auth, alice, "right", p));
        Allowed(await LoginAsync(auth, bob, "right", p));
    }

    [Fact]
    public async Task AHolderBusyWithTheAuthServerDoesNotHoldUpTheRevocationAndUnblockLiftsAtOnce()
    {
        var (alice, bob) = (UniqueLogin("alice"), UniqueLogin("bob"));
        await using var auth = await TestAuthServer.StartAsync(Users(alice, bob));
        var p = UniqueAddress();
        Allowed(await LoginAsync(auth, alice, "right", p));
        Allowed(await LoginAsync(auth, bob, "right", p));
        await SprayAsync(auth, p, AddressThreshold - 1);

        // Bob's grain holds a lease and is waiting 2 s for the auth server when Alice's wrong password crosses the threshold.
        var asked = auth.RequestCount;
        var slow = LoginAsync(auth, bob, "slow", p);
        while (auth.RequestCount == asked) await Task.Delay(10, Ct);
        Assert.Equal(LoginOutcome.Refused, (await LoginAsync(auth, alice, "wrong", p)).Outcome);
        Assert.False(slow.IsCompleted);
        Assert.Equal(LoginOutcome.Refused, (await slow).Outcome);
        RefusedByAddressThreshold(await LoginAsync(auth, bob, "right", p));

        await fixture.Admin.UnblockAsync(null, p);
        Allowed(await LoginAsync(auth, bob, "right", p));
        Allowed(await LoginAsync(auth, alice, "right", p));
    }

    [Fact]
    public async Task ALeaseEndsByItsTtlAndWithItsAddressGrainsActivation()
    {
        var alice = UniqueLogin("alice");
        await using var auth = await TestAuthServer.StartAsync(Users(alice));
        var p = UniqueAddress();
        Allowed(await LoginAsync(auth, alice, "right", p));
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", p))));

        // Past the lease's TTL the address grain is asked once more, then the new lease serves again.
        fixture.Time.Advance(ClientAddressGrain.LeaseTtl);
        Assert.Equal(["DecideLogin", "LeaseThrottleState"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", p))));
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", p))));

        // The address grain's holders live in its memory: going away, it revokes them, so no lease outlives it...
        await fixture.Cluster.DeactivateAsync(fixture.Cluster.Client.GetGrain<IClientAddressGrain>(Prefix(p)));
        await ReceivedAsync(c => (c.Target, c.Method) == (LoginGrainId(alice), "RevokeAddressLease"));
        Assert.Equal(["DecideLogin", "LeaseThrottleState"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", p))));
        // ...and its next activation, which granted the new lease, revokes it when the threshold is crossed.
        await SprayAsync(auth, p, AddressThreshold);
        RefusedByAddressThreshold(await LoginAsync(auth, alice, "right", p));
    }

    [Fact]
    public async Task ATrustedNetworkNeverAsksTheAddressGrain()
    {
        var alice = UniqueLogin("alice");
        await using var auth = await TestAuthServer.StartAsync(Users(alice));
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", "198.51.100.7"))));
        Assert.Equal(["DecideLogin"], await CallsDuring(async () => Allowed(await LoginAsync(auth, alice, "right", "198.51.100.7"))));
    }

    [Fact]
    public async Task TheReleaseIsNotAwaitedAndStillFreesTheSlot()
    {
        var alice = UniqueLogin("alice");
        await using var auth = await TestAuthServer.StartAsync(Users(alice));
        var p = UniqueAddress();
        var session = Assert.IsType<SessionLease>((await LoginAsync(auth, alice, "right", p)).Session);
        Assert.Single((await fixture.Grain(alice).Report()).Sessions);

        // The silo holds the release back; the front end's call returns all the same.
        var gate = fixture.Calls.Hold(LoginGrainId(alice), "ReleaseSession");
        await fixture.Grain(alice).ReleaseSession(session.LeaseId).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        await ReceivedAsync(c => (c.Target, c.Method) == (LoginGrainId(alice), "ReleaseSession"));
        Assert.Single((await fixture.Grain(alice).Report()).Sessions);

        gate.SetResult();
        await Eventually.AssertAsync(async () => (await fixture.Grain(alice).Report()).Sessions.Count == 0, "the slot freed");
    }
}
