using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace OrleansMail.Grains.Health;

/// <summary>
/// The host's part of readiness: ready from the moment every hosted service has started (the Frontend's listeners
/// accept; its pid file is written at that moment, see NginxProcessLifetime) until a stop begins (SIGTERM, SIGQUIT,
/// <c>-s quit</c>): <see cref="IHostApplicationLifetime.ApplicationStopping"/> fires before any service stops, so a load
/// balancer sees "not ready" while the listeners still accept and established sessions drain.
/// </summary>
public sealed class HostRunningHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping: sessions drain")
            : !lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("starting")
            : HealthCheckResult.Healthy("started"));
}
