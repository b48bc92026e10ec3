using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace OrleansMail.Grains.Health;

/// <summary>
/// Ready while this silo is an active member of the cluster, as the membership table sees it: the Silo process's
/// readiness, and the embedded silo's in a Frontend.
/// </summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails localSilo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(localSilo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"active; {snapshot.Members.Count(m => m.Value.Status == SiloStatus.Active)} active silo(s)")
            : HealthCheckResult.Unhealthy($"silo status {status}"));
    }
}
