using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// A whole deployment as real processes: a private Redis, a private Dovecot, an HTTP auth server that knows Dovecot's
/// users, built Silo.dll processes and two built Frontend.dll processes (A and B), all on one Redis-clustered
/// ServiceId/ClusterId that no other deployment uses. The auth server stamps every request with the time it arrived
/// (<see cref="AuthLog"/>), on the test process's <see cref="Stopwatch"/> clock.
/// </summary>
public class ClusterDeployment : IAsyncLifetime
{
    /// <summary>The Silos' admin API token (<c>Admin:Token</c>).</summary>
    public const string AdminToken = "cluster-admin-token-0123456789abcdef-0123";

    private readonly ConcurrentQueue<StampedAuthRequest> _authLog = new();
    private readonly int _siloCount;
    private readonly IReadOnlyDictionary<string, string> _siloSettings;
    private readonly IReadOnlyDictionary<string, string> _frontendSettings;
    private readonly (string User, string Password)[] _users;
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, string> _extraSiloSettings = [];
    private int _disposed;
    private volatile Func<RecordedAuthRequest, AuthReply> _authHandler = _ => AuthReply.Fail("not ready");

    /// <param name="siloCount">How many Silo processes.</param>
    /// <param name="siloSettings">Settings for every Silo, over the defaults (admin token, short brute-force delays, cache off).</param>
    /// <param name="frontendSettings">Settings for both Frontends.</param>
    /// <param name="users">Dovecot's users; alice, bob, carol and erin when none are given.</param>
    public ClusterDeployment(int siloCount, IReadOnlyDictionary<string, string>? siloSettings = null,
        IReadOnlyDictionary<string, string>? frontendSettings = null, params (string User, string Password)[] users)
    {
        _siloCount = siloCount;
        _siloSettings = siloSettings ?? new Dictionary<string, string>();
        _frontendSettings = frontendSettings ?? new Dictionary<string, string>();
        _users = users.Length > 0 ? users : [("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("erin", "erin-password")];
    }

    public RedisServer Redis { get; private set; } = null!;

    public DovecotServer Dovecot { get; private set; } = null!;

    public TestAuthServer Auth { get; private set; } = null!;

    public ClusterIdentity Cluster { get; private set; } = null!;

    /// <summary>The Silo processes, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public FrontendProcess FrontendA { get; private set; } = null!;

    public FrontendProcess FrontendB { get; private set; } = null!;

    /// <summary>Both front ends.</summary>
    public IReadOnlyList<FrontendProcess> Frontends => [FrontendA, FrontendB];

    /// <summary>How long the whole deployment took to come up.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Every auth request with its arrival time, in arrival order.</summary>
    public IReadOnlyList<StampedAuthRequest> AuthLog => _authLog.ToArray();

    /// <summary>Replaces the auth server's decisions (requests are still stamped); <see cref="UseDefaultAuth"/> restores them.</summary>
    public void UseAuth(Func<RecordedAuthRequest, AuthReply> handler) => _authHandler = handler;

    /// <summary>Dovecot's users with their passwords, no Auth-Wait.</summary>
    public void UseDefaultAuth() => _authHandler = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);

    /// <summary>Everything the processes logged, for assertion messages.</summary>
    public string Diagnostics() =>
        string.Join("\n", _silos.Select(s => s.App).Append(FrontendA?.App).Append(FrontendB?.App).Where(a => a is not null).Select(a => a!.Diagnostics()));

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAllAsync();
        }
        catch
        {
            // Leave no server behind when one of them fails to start; the exception carries its output.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs once Redis, Dovecot and the auth server are up and before any Silo starts (e.g. to start more servers);
    /// returns more settings for the Silos.
    /// </summary>
    protected virtual Task<IReadOnlyDictionary<string, string>> PrepareAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

    /// <summary>Releases what <see cref="PrepareAsync"/> started; runs after the processes have stopped.</summary>
    protected virtual ValueTask DisposePreparedAsync() => ValueTask.CompletedTask;

    /// <summary>Starts one more Silo process in the cluster.</summary>
    public async Task<SiloProcess> StartSiloAsync(string name)
    {
        var settings = new Dictionary<string, string>
        {
            ["Admin:Token"] = AdminToken,
            ["LoginPolicy:bruteforce_delay"] = "100ms",
            ["LoginPolicy:bruteforce_delay_max"] = "200ms",
        };
        foreach (var (key, value) in _siloSettings) settings[key] = value;
        foreach (var (key, value) in _extraSiloSettings) settings[key] = value;
        var silo = await SiloProcess.StartAsync(Cluster, name, extra: settings);
        lock (_silos) _silos.Add(silo);
        return silo;
    }

    private async Task StartAllAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var redis = RedisServer.StartAsync();
        var dovecot = DovecotServer.StartAsync(_users);
        var auth = TestAuthServer.StartAsync(request =>
        {
            _authLog.Enqueue(new StampedAuthRequest(Stopwatch.GetTimestamp(), request));
            return _authHandler(request);
        });
        try
        {
            await Task.WhenAll(redis, dovecot, auth);
        }
        finally
        {
            Redis = redis.IsCompletedSuccessfully ? redis.Result : null!;
            Dovecot = dovecot.IsCompletedSuccessfully ? dovecot.Result : null!;
            Auth = auth.IsCompletedSuccessfully ? auth.Result : null!;
        }

        UseDefaultAuth();
        foreach (var (key, value) in await PrepareAsync()) _extraSiloSettings[key] = value;

        Cluster = ClusterIdentity.Unique(Redis.ConnectionString);
        // Silos start together: each must see the other join for a two-silo cluster to form its quorum.
        var silos = Enumerable.Range(1, _siloCount).Select(i => StartSiloAsync(_siloCount == 1 ? "Silo" : $"Silo {i}")).ToList();
        await Task.WhenAll(silos);
        var a = FrontendProcess.StartAsync(Cluster, Auth.Url, "Frontend A", extra: _frontendSettings);
        var b = FrontendProcess.StartAsync(Cluster, Auth.Url, "Frontend B", extra: _frontendSettings);
        try
        {
            await Task.WhenAll(a, b);
        }
        finally
        {
            FrontendA = a.IsCompletedSuccessfully ? a.Result : null!;
            FrontendB = b.IsCompletedSuccessfully ? b.Result : null!;
        }

        StartupTime = stopwatch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Front ends first (clients), then the silos, then what they used.
        if (FrontendA is not null) await FrontendA.DisposeAsync();
        if (FrontendB is not null) await FrontendB.DisposeAsync();
        foreach (var silo in _silos) await silo.DisposeAsync();
        await DisposePreparedAsync();
        if (Auth is not null) await Auth.DisposeAsync();
        if (Dovecot is not null) await Dovecot.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>An auth request and when it arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
public sealed record StampedAuthRequest(long Timestamp, RecordedAuthRequest Request)
{
    public string? User => Request.Decoded("Auth-User");

    public string? Password => Request.Decoded("Auth-Pass");

    /// <summary>Time from <paramref name="earlier"/> to this request.</summary>
    public TimeSpan Since(long earlier) => Stopwatch.GetElapsedTime(earlier, Timestamp);
}
