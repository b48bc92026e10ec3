using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Login;
using OrleansMail.Tests.Support;
using StackExchange.Redis;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// Grain failover (README "Running a cluster") on Orleans.TestingHost: three silos with production's membership
/// settings, grain directory and Redis grain storage (real redis-server); the silo holding a login's grain is killed in
/// the middle of a login storm. No decision is ever wrong (a wrong secret is never allowed, the right one from a clean
/// address never refused), the grain comes back on a survivor with its wrong-secret count intact, and the attacker
/// stays throttled.
/// </summary>
public sealed class GrainFailoverTests : IAsyncLifetime
{
    private static readonly LoginPolicySettings Policy = new()
    {
        AuthCacheTtl = TimeSpan.FromSeconds(60),
        BruteforceLoginThreshold = 5,
        BruteforceAddressThreshold = 0,
        BruteforceDelay = TimeSpan.Zero,
    };

    private RedisServer _redis = null!;
    private InProcessTestCluster _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(Ct);
        var redis = _redis.ConnectionString;
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 3);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOrleansMailMembership(ClusterSettings.From(new ConfigurationBuilder().Build(), ClusterMode.Localhost));
            silo.AddRedisGrainStorage(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
            silo.Services.AddSingleton(Policy);
            silo.Services.AddOrleansMailGrainServices();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    [Fact]
    public async Task KillingTheGrainsSiloDuringALoginStormMakesNoWrongDecisionAndKeepsTheThrottle()
    {
        var output = TestContext.Current.TestOutputHelper;
        const string login = "storm@example.org";
        const string attacker = "203.0.113.66";
        const string user = "198.51.100.7";
        await using var auth = await TestAuthServer.StartAsync(request =>
            request.Decoded("Auth-User") == login && request.Decoded("Auth-Pass") == "right"
                ? AuthReply.With([("Auth-Status", "OK"), ("Auth-Server", "10.0.0.9"), ("Auth-Port", "143")])
                : AuthReply.Fail("Invalid login or password"));
        var grain = _cluster.Client.GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));
        LoginAttempt Attempt(string secret, string address) => new(MailProtocol.Imap, AuthMethod.Plain, login, secret, null, address, 1, null, auth.Endpoint());

        // Four distinct wrong secrets: one short of the threshold.
        for (var i = 0; i < 4; i++)
            Assert.Equal(LoginOutcome.Refused, (await grain.DecideLogin(Attempt($"guess {i}", attacker), Ct)).Outcome);
        var host = await HostOfAsync(login);

        // The storm: the real user logs in over and over while the attacker retries the same four guesses (already
        // counted, so no new failure); the grain's silo is killed in the middle of it.
        var wrong = new ConcurrentBag<string>();
        var failedCalls = 0;
        using var stop = new CancellationTokenSource();
        async Task StormAsync(string secret, string address, LoginOutcome expected)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var decision = await grain.DecideLogin(Attempt(secret, address), Ct);
                    if (decision.Outcome != expected) wrong.Add($"{secret} from {address}: {decision}");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The front end retries these within its budget (LoginGrainClient); here they are only counted.
                    Interlocked.Increment(ref failedCalls);
                    await Task.Delay(100, Ct);
                }
            }
        }

        var storm = new List<Task>();
        for (var i = 0; i < 4; i++)
        {
            storm.Add(StormAsync("right", user, LoginOutcome.Allowed));
            storm.Add(StormAsync($"guess {i}", attacker, LoginOutcome.Refused));
        }

        // Real time is the point: the storm runs against real silos, and the kill lands while it runs.
        await Task.Delay(500, Ct);
        var killed = Stopwatch.StartNew();
        await _cluster.KillSiloAsync(_cluster.Silos.Single(s => s.SiloAddress.Equals(host)), Ct);
        await _cluster.WaitForLivenessToStabilizeAsync(didKill: true);
        output?.WriteLine($"membership stable {killed.Elapsed.TotalSeconds:0.0} s after the kill; {failedCalls} calls failed meanwhile");
        // Keep storming until the grain answers again from a survivor, and a little longer.
        var recovered = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await grain.DecideLogin(Attempt("right", user), Ct);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException && recovered.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200, Ct);
            }
        }
        output?.WriteLine($"the grain answered again {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        // Real time is the point: the storm keeps going against the survivors for a moment after recovery.
        await Task.Delay(1000, Ct);
        await stop.CancelAsync();
        await Task.WhenAll(storm);

        Assert.Empty(wrong);
        var newHost = await HostOfAsync(login);
        Assert.NotEqual(host, newHost);

        // The count survived in Redis: one more distinct wrong secret reaches the threshold, and then even the right
        // password from the attacker's address is refused without asking the auth server.
        Assert.Equal(LoginOutcome.Refused, (await grain.DecideLogin(Attempt("guess 5", attacker), Ct)).Outcome);
        var asked = auth.RequestCount;
        Assert.Equal(LoginOutcome.Refused, (await grain.DecideLogin(Attempt("right", attacker), Ct)).Outcome);
        Assert.Equal(asked, auth.RequestCount);
        Assert.Equal(LoginOutcome.Allowed, (await grain.DecideLogin(Attempt("right", user), Ct)).Outcome);
    }

    /// <summary>The silo holding the login's grain activation (the management grain's view of every silo).</summary>
    private async Task<SiloAddress> HostOfAsync(string login)
    {
        var id = GrainId.Create(UserLoginGrain.GrainTypeName, LoginGrainKey.For(login, LoginCase.Insensitive));
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var stats = await management.GetDetailedGrainStatistics();
        return Assert.Single(stats, s => s.GrainId.Equals(id)).SiloAddress;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
