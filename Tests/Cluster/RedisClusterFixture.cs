using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Cluster;

/// <summary>
/// The deployment the issue asks for, as real processes: a private Redis, a private Dovecot (alice, bob, carol), an
/// HTTP auth server that knows Dovecot's users, one built Silo.dll and two built Frontend.dll processes (A and B),
/// all on one Redis-clustered ServiceId/ClusterId that no other fixture uses. The auth server stamps every request
/// with the time it arrived (<see cref="AuthLog"/>), on the test process's <see cref="Stopwatch"/> clock.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly ConcurrentQueue<StampedAuthRequest> _authLog = new();
    private int _disposed;
    private volatile Func<RecordedAuthRequest, AuthReply> _authHandler = _ => AuthReply.Fail("not ready");

    /// <summary>The Silo's admin API token (<c>Admin:Token</c>).</summary>
    public const string AdminToken = "cluster-admin-token";

    public RedisServer Redis { get; private set; } = null!;

    public DovecotServer Dovecot { get; private set; } = null!;

    public TestAuthServer Auth { get; private set; } = null!;

    public ClusterIdentity Cluster { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public FrontendProcess FrontendA { get; private set; } = null!;

    public FrontendProcess FrontendB { get; private set; } = null!;

    /// <summary>How long the whole fixture took to come up.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Every auth request with its arrival time, in arrival order.</summary>
    public IReadOnlyList<StampedAuthRequest> AuthLog => _authLog.ToArray();

    /// <summary>Replaces the auth server's decisions (requests are still stamped); <see cref="UseDefaultAuth"/> restores them.</summary>
    public void UseAuth(Func<RecordedAuthRequest, AuthReply> handler) => _authHandler = handler;

    /// <summary>Dovecot's users with their passwords, no Auth-Wait.</summary>
    public void UseDefaultAuth() => _authHandler = TestAuthServer.UsersAndPasswords(Dovecot.Users, Dovecot.Host, Dovecot.ImapPort);

    /// <summary>Everything the processes logged, for assertion messages.</summary>
    public string Diagnostics() =>
        string.Join("\n", new[] { Silo?.App, FrontendA?.App, FrontendB?.App }.Where(a => a is not null).Select(a => a!.Diagnostics()));

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

    private async Task StartAllAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var redis = RedisServer.StartAsync();
        var dovecot = DovecotServer.StartAsync(("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("erin", "erin-password"));
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

        Cluster = ClusterIdentity.Unique(Redis.ConnectionString);
        Silo = await SiloProcess.StartAsync(Cluster, extra: new Dictionary<string, string>
        {
            ["Admin:Token"] = AdminToken,
            ["LoginPolicy:bruteforce_delay"] = "100ms",
            ["LoginPolicy:bruteforce_delay_max"] = "200ms",
        });
        var a = FrontendProcess.StartAsync(Cluster, Auth.Url, "Frontend A");
        var b = FrontendProcess.StartAsync(Cluster, Auth.Url, "Frontend B");
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
        // Front ends first (clients), then the silo, then what they used.
        if (FrontendA is not null) await FrontendA.DisposeAsync();
        if (FrontendB is not null) await FrontendB.DisposeAsync();
        if (Silo is not null) await Silo.DisposeAsync();
        if (Auth is not null) await Auth.DisposeAsync();
        if (Dovecot is not null) await Dovecot.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
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
