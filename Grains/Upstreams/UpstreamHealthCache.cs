using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// Each silo's copy of every pool upstream's status, so a login grain places a user with a dictionary read and no
/// remote call (one coarse grain call per login; README "Layout"). A background loop asks every upstream's grain for its
/// status every <see cref="UpstreamPoolSettings.CacheRefresh"/>: the cost is silos × upstreams calls per refresh,
/// whatever the login rate, against one extra grain call per login if the login grain asked the upstream grains
/// (or a <c>[StatelessWorker]</c> holding this cache, which still costs a message per login). The copy is at most
/// one refresh old; a front end that meets a dead upstream in that window falls back to the next one and reports it.
/// </summary>
public sealed partial class UpstreamHealthCache(
    UpstreamPoolSettings settings, IGrainFactory grains, TimeProvider time, ILogger<UpstreamHealthCache> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private volatile FrozenDictionary<string, UpstreamStatus> _statuses = FrozenDictionary<string, UpstreamStatus>.Empty;
    private Task _loop = Task.CompletedTask;

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "upstream status refresh for {Upstream} failed ({Error}); keeping the last one")]
    private partial void LogRefreshFailed(string upstream, string error);
}
