using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// A Silo process crashes (SIGKILL: it never says goodbye in Redis) in a two-silo cluster: the survivor declares it
/// dead in Redis membership, logins through a Frontend process that kept running work again for every user, and a
/// replacement Silo process joins. Silos without a quorum cannot do this: a lone silo's crash leaves its row Active,
/// and a replacement's start-up connectivity check refuses to join while that row stands (see the report).
/// </summary>
public sealed class SiloRestartTests : IAsyncLifetime
{
    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank"];

    private RedisServer _redis = null!;
    private DovecotServer _dovecot = null!;
    private TestAuthServer _auth = null!;
    private ClusterIdentity _cluster = null!;
    private readonly List<SiloProcess> _silos = [];
    private FrontendProcess? _frontend;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async ValueTask InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var dovecot = DovecotServer.StartAsync(Users.Select(u => (u, u + "-password")).ToArray());
        try
        {
            await Task.WhenAll(redis, dovecot);
        }
        catch
        {
            if (redis.IsCompletedSuccessfully) await redis.Result.DisposeAsync();
            if (dovecot.IsCompletedSuccessfully) await dovecot.Result.DisposeAsync();
            throw;
        }

        _redis = redis.Result;
        _dovecot = dovecot.Result;
        _auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(_dovecot.Users, _dovecot.Host, _dovecot.ImapPort));
        _cluster = ClusterIdentity.Unique(_redis.ConnectionString);
    }

    [Fact]
    public async Task AfterASiloIsKilledTheSurvivorTakesOverAndAReplacementJoins()
    {
        var output = TestContext.Current.TestOutputHelper;
        await StartSilosAsync("Silo 1", "Silo 2");
        _frontend = await FrontendProcess.StartAsync(_cluster, _auth.Url);
        // One grain per user: with two silos, some land on each.
        foreach (var user in Users) Assert.Null(await TryLoginAsync(user));

        var victim = _silos[0];
        var survivor = _silos[1];
        await victim.App.KillAsync();
        var killed = Stopwatch.StartNew();

        foreach (var user in Users)
        {
            var error = await LoginWithinAsync(user, killed, TimeSpan.FromSeconds(45));
            Assert.True(error is null, $"{user} could not log in within 45 s of the kill: {error}\n{Diagnostics()}");
        }

        output?.WriteLine($"every user logged in again {killed.Elapsed.TotalSeconds:0.0} s after the kill");

        var dead = await WaitForMembershipAsync(m => m.Any(e => e.SiloPort == victim.SiloPort && e.Status == MembershipEntry.Dead), killed);
        output?.WriteLine($"the killed silo was marked Dead in Redis {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        Assert.Equal(survivor.SiloPort, Assert.Single(dead, e => e.Status == MembershipEntry.Active).SiloPort);

        await StartSilosAsync("Silo 3");
        var replacement = _silos[^1];
        output?.WriteLine($"the replacement silo was healthy after {replacement.StartupTime.TotalSeconds:0.0} s");
        var active = (await _cluster.ReadMembershipAsync()).Where(e => e.Status == MembershipEntry.Active).Select(e => e.SiloPort).Order();
        Assert.Equal(new[] { survivor.SiloPort, replacement.SiloPort }.Order(), active);
        foreach (var user in Users) Assert.Null(await TryLoginAsync(user));
    }

    private async Task StartSilosAsync(params string[] names)
    {
        var starts = names.Select(name => SiloProcess.StartAsync(_cluster, name)).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch (Exception e)
        {
            _silos.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            throw new InvalidOperationException($"{e.Message}\n--- the other processes ---\n{Diagnostics()}", e);
        }

        _silos.AddRange(starts.Select(t => t.Result));
    }

    private async Task<string?> LoginWithinAsync(string user, Stopwatch since, TimeSpan limit)
    {
        string? error;
        while ((error = await TryLoginAsync(user)) is not null && since.Elapsed < limit)
        {
            await Task.Delay(250, Timeout);
        }

        return error;
    }

    private async Task<IReadOnlyList<MembershipEntry>> WaitForMembershipAsync(Func<IReadOnlyList<MembershipEntry>, bool> done, Stopwatch since)
    {
        while (true)
        {
            var members = await _cluster.ReadMembershipAsync();
            if (done(members)) return members;
            Assert.True(since.Elapsed < TimeSpan.FromSeconds(45),
                $"membership did not settle within 45 s:\n{string.Join("\n", members.Select(m => m.Json))}\n{Diagnostics()}");
            await Task.Delay(250, Timeout);
        }
    }

    private string Diagnostics() =>
        string.Join("\n", _silos.Select(s => s.App).Append(_frontend?.App).Where(a => a is not null).Select(a => a!.Diagnostics()));

    /// <summary>Logs in and out through the Frontend; null on success, else what went wrong.</summary>
    private Task<string?> TryLoginAsync(string user) => ClusterImap.TryLoginAsync(_frontend!, user, user + "-password", cancellationToken: Timeout);

    public async ValueTask DisposeAsync()
    {
        if (_frontend is not null) await _frontend.DisposeAsync();
        foreach (var silo in _silos) await silo.DisposeAsync();
        if (_auth is not null) await _auth.DisposeAsync();
        if (_dovecot is not null) await _dovecot.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
