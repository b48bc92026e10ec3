using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// A rolling update's stop of a Silo process (SIGTERM, as the kubelet sends it; README "Graceful rollouts") in a
/// two-silo cluster on Redis: the silo leaves the membership on its own, its row Dead well before probes could have
/// voted it out (ProbeTimeout is 10 s here), and exits with 0; the brute-force state of logins whose grains it held
/// is in Redis and still throttles on the survivor: a sixth wrong password from the same address never reaches the auth server.
/// </summary>
public sealed class SiloGracefulStopTests : IAsyncLifetime
{
    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank"];
    private const string Attacker = "127.0.1.77";

    private static readonly Dictionary<string, string> SiloSettings = new()
    {
        ["LoginPolicy:bruteforce_login_threshold"] = "5",
        // The address's own count across logins (30 here) must not be what throttles.
        ["LoginPolicy:bruteforce_address_threshold"] = "100",
        // One key for both silos, as production sets it: a grain that moves recognises the hashes it stored.
        ["LoginPolicy:secret_hash_key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        // Missed probes take 10 s × 3 here: a row Dead within a few seconds of TERM was written by the leaving silo.
        ["Cluster:ProbeTimeout"] = "10s",
        ["ShutdownTimeout"] = "20s",
    };

    private RedisServer _redis = null!;
    private DovecotServer _dovecot = null!;
    private TestAuthServer _auth = null!;
    private ClusterIdentity _cluster = null!;
    private readonly List<SiloProcess> _silos = [];
    private FrontendProcess? _frontend;

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _dovecot = await DovecotServer.StartAsync(Users.Select(u => (u, u + "-password")).ToArray());
        _auth = await TestAuthServer.StartAsync(TestAuthServer.UsersAndPasswords(_dovecot.Users, _dovecot.Host, _dovecot.ImapPort));
        _cluster = ClusterIdentity.Unique(_redis.ConnectionString);
    }

    [Fact]
    public async Task OnTermASiloLeavesTheClusterCleanlyAndItsLoginsThrottlingStateLivesOn()
    {
        var starts = new[] { "Silo 1", "Silo 2" }.Select(name => SiloProcess.StartAsync(_cluster, name, extra: SiloSettings)).ToList();
        try { await Task.WhenAll(starts); }
        finally { _silos.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)); }
        _frontend = await FrontendProcess.StartAsync(_cluster, _auth.Url);

        // Five distinct wrong passwords per login from one address: each login's grain (spread over both silos) now throttles it.
        var output = TestContext.Current.TestOutputHelper;
        var guessing = Stopwatch.StartNew();
        await Task.WhenAll(Users.Select(async user =>
        {
            for (var i = 0; i < 5; i++)
                Assert.StartsWith("a NO ", await ClusterImap.RawLoginAsync(_frontend, user, $"guess-{i}", Attacker, Timeout));
        }));
        output?.WriteLine($"{Users.Length * 5} wrong passwords in {guessing.Elapsed.TotalSeconds:0.0} s");
        int Asked() => _auth.Requests.Count(r => r.Decoded("Client-IP") == Attacker);
        Assert.Equal(Users.Length * 5, Asked());

        var leaving = _silos[0];
        var survivor = _silos[1];
        using (var kill = Process.Start("kill", ["-TERM", leaving.App.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(Timeout);
        var term = Stopwatch.StartNew();
        Assert.Equal(0, await leaving.App.WaitForExitAsync(TimeSpan.FromSeconds(25)));
        output?.WriteLine($"the silo exited {term.Elapsed.TotalSeconds:0.0} s after TERM");

        var members = await _cluster.ReadMembershipAsync();
        Assert.Equal(MembershipEntry.Dead, Assert.Single(members, m => m.SiloPort == leaving.SiloPort).Status);
        Assert.Equal(MembershipEntry.Active, Assert.Single(members, m => m.SiloPort == survivor.SiloPort).Status);
        Assert.True(term.Elapsed < TimeSpan.FromSeconds(20), $"leaving took {term.Elapsed.TotalSeconds:0.0} s");

        // Every login is still throttled from that address, now on the survivor: the auth server is not asked again.
        var after = Stopwatch.StartNew();
        // (Each refusal is slowed by the throttle's delay, which doubles per counted failure: about 8 s here.)
        await Task.WhenAll(Users.Select(async user =>
        {
            var reply = await ClusterImap.RawLoginAsync(_frontend, user, "guess-after", Attacker, Timeout);
            // A refusal, not the temporary failure of a grain that could not be reached.
            Assert.StartsWith("a NO ", reply);
            Assert.DoesNotContain("UNAVAILABLE", reply, StringComparison.Ordinal);
        }));
        Assert.Equal(Users.Length * 5, Asked());
        output?.WriteLine($"{Users.Length} refusals on the survivor in {after.Elapsed.TotalSeconds:0.0} s");
        // And the real users still log in, from another address.
        foreach (var user in Users)
            Assert.Null(await ClusterImap.TryLoginAsync(_frontend, user, user + "-password", from: "127.0.2.7", cancellationToken: Timeout));
    }

    public async ValueTask DisposeAsync()
    {
        if (_frontend is not null) await _frontend.DisposeAsync();
        foreach (var silo in _silos) await silo.DisposeAsync();
        if (_auth is not null) await _auth.DisposeAsync();
        if (_dovecot is not null) await _dovecot.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
