using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// The cluster client's part of a Frontend's readiness: connected to at least one gateway. The client's start
/// completes only once connected (before that the host's own check says "starting"); afterwards Orleans reports each
/// change of the connected gateway count and the loss of every one.
/// </summary>
internal sealed class ClusterClientHealthCheck : IClusterConnectionStatusObserver, IHealthCheck
{
    private volatile int _gateways = -1;

    public void NotifyGatewayCountChanged(int currentNumberOfConnectedGateways, int previousNumberOfConnectedGateways, bool connectionRecovered) =>
        _gateways = currentNumberOfConnectedGateways;

    public void NotifyClusterConnectionLost() => _gateways = 0;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_gateways switch
        {
            0 => HealthCheckResult.Unhealthy("no cluster gateway connected"),
            < 0 => HealthCheckResult.Healthy("cluster client started"),
            var n => HealthCheckResult.Healthy($"{n} cluster gateway(s) connected"),
        });
}
