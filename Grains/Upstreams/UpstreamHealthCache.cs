using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;
using State = OrleansMail.Grains.Telemetry.TelemetryLabels.PoolMemberState;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// Each silo's copy of every pool upstream's status, so a login grain places a user with a dictionary read and no
/// remote call (one coarse grain call per login; README "Layout"). A background loop asks every upstream's grain for its
/// status every <see cref="UpstreamPoolSettings.CacheRefresh"/>: the cost is silos × upstreams calls per refresh,
/// whatever the login rate, against one extra grain call per login if the login grain asked the upstream grains
/// (or a <c>[StatelessWorker]</c> holding this cache, which still costs a message per login). The copy is at most
/// one refresh old; a front end that meets a dead upstream in that window falls back to the next one and reports it.
/// The copy is also what <c>orleansmail.upstream.pool.members</c> reports, per silo (README "Observability").
/// </summary>
public sealed partial class UpstreamHealthCache : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly UpstreamPoolSettings settings;
    private readonly IGrainFactory grains;
    private readonly TimeProvider time;
    private readonly ILogger<UpstreamHealthCache> logger;
    private readonly CancellationTokenSource _stopping = new();
    private volatile FrozenDictionary<string, UpstreamStatus> _statuses = FrozenDictionary<string, UpstreamStatus>.Empty;
    private Task _loop = Task.CompletedTask;

    public UpstreamHealthCache(
        UpstreamPoolSettings settings, IGrainFactory grains, TimeProvider time, ILogger<UpstreamHealthCache> logger, GrainMetrics metrics)
    {
        this.settings = settings;
        this.grains = grains;
        this.time = time;
        this.logger = logger;
        metrics.ObservePoolMembers(PoolMembers);
    }

    /// <summary>The last known status, or null before the first refresh reached it (treated as up and active).</summary>
    public UpstreamStatus? Get(MailProtocol protocol, string address) =>
        _statuses.GetValueOrDefault(UpstreamKey.For(protocol, address));

    /// <summary>Refreshes the copy now (admin API after a change, tests); every pool upstream's grain is asked in parallel.</summary>
    public async Task RefreshAsync()
    {
        var all = settings.All().ToList();
        var statuses = await Task.WhenAll(all.Select(async p =>
        {
            var key = UpstreamKey.For(p.Protocol, p.Upstream.Address);
            try { return (Key: key, Status: await grains.GetGrain<IUpstreamGrain>(key).Status()); }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                // A silo just died and the grain is moving: keep the previous status until the next round.
                LogRefreshFailed(key, e.GetType().Name);
                return (Key: key, Status: Get(p.Protocol, p.Upstream.Address));
            }
        }));
        _statuses = statuses.Where(s => s.Status is not null).ToFrozenDictionary(s => s.Key, s => s.Status!);
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(UpstreamHealthCache), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.All().Any()) _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try { await _loop.WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { } // the silo stops anyway; the loop ends at its next await
    }

    private async Task RunAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync();
                await Task.Delay(settings.CacheRefresh, time, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException || _stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Each pool's members by their <see cref="UpstreamStatus.State"/> (as the admin API shows it), every state
    /// reported, zero included, so an alert on <c>down &gt; 0</c> always has a series to read. A member this copy has
    /// not reached yet counts as up, as placement treats it.
    /// </summary>
    private IEnumerable<Measurement<int>> PoolMembers()
    {
        foreach (var protocol in Enum.GetValues<MailProtocol>())
        {
            var pool = settings.Pool(protocol);
            if (pool.Count == 0) continue;
            var counts = new int[Enum.GetValues<UpstreamState>().Length];
            foreach (var upstream in pool) counts[(int)(Get(protocol, upstream.Address)?.State ?? UpstreamState.Up)]++;

            // A pool is named after its protocol (UpstreamPools:Imap, imap_upstream_pool).
            var name = TelemetryLabels.Protocol(protocol);
            yield return Member(counts[(int)UpstreamState.Up], name, State.Up);
            yield return Member(counts[(int)UpstreamState.Down], name, State.Down);
            yield return Member(counts[(int)UpstreamState.Draining], name, State.Draining);
            yield return Member(counts[(int)UpstreamState.Maintenance], name, State.Maintenance);
        }

        static Measurement<int> Member(int count, string pool, string state) =>
            new(count, new("protocol", pool), new("pool", pool), new("state", state));
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "upstream status refresh for {Upstream} failed ({Error}); keeping the last one")]
    private partial void LogRefreshFailed(string upstream, string error);
}
