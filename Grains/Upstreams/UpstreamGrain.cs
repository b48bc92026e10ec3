using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// One pool upstream's health and mode, for the whole cluster (<see cref="IUpstreamGrain"/>). Probes run on a grain
/// timer only for addresses that are in the protocol's configured pool, so a stray key never probes anything.
/// Kept active by every silo's <see cref="UpstreamHealthCache"/>, which asks for its status each refresh.
/// </summary>
[GrainType(GrainTypeName)]
internal sealed partial class UpstreamGrain(
    [PersistentState("upstream", Hosting.SiloBuilderExtensions.StorageName)] IPersistentState<UpstreamGrainState> state,
    UpstreamPoolSettings settings,
    TimeProvider time,
    ILogger<UpstreamGrain> logger) : Grain, IUpstreamGrain
{
    public const string GrainTypeName = "upstream";

    private MailProtocol _protocol;
    private string _address = "";
    private PoolUpstream? _upstream;
    private UpstreamHealth _health = null!;
    private DateTimeOffset? _lastCheck;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _health = new UpstreamHealth(settings.CheckFails, settings.CheckPasses, time.GetUtcNow());
        if (UpstreamKey.TryParse(this.GetPrimaryKeyString(), out _protocol, out _address))
            _upstream = settings.Pool(_protocol).FirstOrDefault(u => u.Address == _address);
        if (_upstream is not null)
        {
            // Interleave: a probe waiting on a dead host (up to CheckTimeout) must not hold up status reads or reports.
            this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = settings.CheckInterval,
                Interleave = true,
            });
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<UpstreamStatus> Status() => Task.FromResult(Current());

    /// <inheritdoc />
    public Task ReportConnectFailure(string reason)
    {
        if (_upstream is not null) Record(_health.Failed("front end could not connect: " + reason, time.GetUtcNow()));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<UpstreamStatus> SetMode(UpstreamMode mode)
    {
        if (state.State.Mode != mode)
        {
            state.State.Mode = mode;
            await state.WriteStateAsync();
            LogModeChanged(this.GetPrimaryKeyString(), mode);
        }
        return Current();
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var failure = await UpstreamProbe.CheckAsync(_protocol, _upstream!, settings.CheckTimeout, cancellationToken);
        var now = time.GetUtcNow();
        _lastCheck = now;
        Record(failure is null ? _health.Succeeded(now) : _health.Failed(failure, now));
    }

    private void Record(bool changed)
    {
        if (!changed) return;
        if (_health.Healthy) LogUp(this.GetPrimaryKeyString());
        else LogDown(this.GetPrimaryKeyString(), _health.LastError ?? "");
    }

    private UpstreamStatus Current() => new(_protocol, _address, state.State.Mode, _health.Healthy, _health.ConsecutiveFailures,
        _health.LastError, _lastCheck, _health.Since);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "upstream {Upstream} is down: {Reason}")]
    private partial void LogDown(string upstream, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "upstream {Upstream} is up")]
    private partial void LogUp(string upstream);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "upstream {Upstream} set to {Mode} by the operator")]
    private partial void LogModeChanged(string upstream, UpstreamMode mode);
}
