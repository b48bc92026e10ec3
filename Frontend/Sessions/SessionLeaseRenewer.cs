using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Auth;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Sessions;

/// <summary>
/// Keeps this front end's session leases alive (README "Session limits"): one timer for the whole process, which
/// renews every held lease each third of the lease TTL with one call per login grain, never a timer per session.
/// Sessions hand their lease over when they log in and give it back when they end, however they end; the release is a
/// one-way call (<see cref="IUserLoginGrain.ReleaseSession"/>), so no session's teardown waits on a grain and no reply
/// comes back. If the process dies, nobody renews its leases
/// and the grains free the slots after the TTL. A renewal that fails (a silo just died) is simply tried again next
/// round, which still comes before the TTL; the grain then registers the lease again.
/// </summary>
internal sealed partial class SessionLeaseRenewer : BackgroundService
{
    /// <summary>The round before any lease says its TTL (the grains' default TTL is 60 s).</summary>
    private static readonly TimeSpan InitialPeriod = TimeSpan.FromSeconds(20);

    private readonly LoginGrains _grains;
    private readonly ILogger<SessionLeaseRenewer> _logger;
    private readonly ConcurrentDictionary<string, SessionLease> _held = new();
    private readonly PeriodicTimer _timer;
    private readonly Lock _periodLock = new();

    public SessionLeaseRenewer(LoginGrains grains, TimeProvider time, ILogger<SessionLeaseRenewer> logger)
    {
        _grains = grains;
        _logger = logger;
        _timer = new PeriodicTimer(InitialPeriod, time);
    }

    /// <summary>This process among the cluster's front ends, as the admin API shows it: host, process id and a random part.</summary>
    public string FrontEnd { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Leases held right now.</summary>
    public int Count => _held.Count;

    /// <summary>Takes over a session's lease; renewal rounds come at least every third of <paramref name="ttl"/>.</summary>
    public void Hold(SessionLease lease, TimeSpan ttl)
    {
        _held[lease.LeaseId] = lease;
        var period = ttl / 3;
        if (period <= TimeSpan.Zero) return;
        lock (_periodLock)
        {
            if (period < _timer.Period) _timer.Period = period;
        }
    }

    /// <summary>Gives a lease back when its session ends: the slot is freed at once, not after the TTL.</summary>
    public void Release(SessionLease lease)
    {
        if (_held.TryRemove(lease.LeaseId, out _)) _ = ReleaseAsync(lease);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken)) await RenewAllAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One renewal round: every held lease, one call per login grain, all at once.</summary>
    internal Task RenewAllAsync() =>
        Task.WhenAll(_held.Values
            .GroupBy(l => l.Login)
            .Select(g => RenewAsync(g.Key, g.ToList())));

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    private async Task RenewAsync(string grainKey, List<SessionLease> leases)
    {
        try
        {
            await _grains.For(grainKey).RenewSessions(leases);
        }
        catch (Exception e)
        {
            LogRenewalFailed(leases.Count, leases[0].Login, e.GetType().Name);
        }
    }

    private async Task ReleaseAsync(SessionLease lease)
    {
        try
        {
            // One-way: completes once the message is on its way; only a failure to send it ends up here.
            await _grains.For(lease.Login).ReleaseSession(lease.LeaseId);
        }
        catch (Exception e)
        {
            LogReleaseFailed(lease.Login, e.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 2080, Level = LogLevel.Warning, Message = "renewing {Count} session leases of {Login} failed ({Error}); next round retries")]
    private partial void LogRenewalFailed(int count, string login, string error);

    [LoggerMessage(EventId = 2081, Level = LogLevel.Warning, Message = "releasing a session lease of {Login} failed ({Error}); it expires after its TTL")]
    private partial void LogReleaseFailed(string login, string error);
}
