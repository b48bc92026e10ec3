using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Grains.Health;

/// <summary>
/// <c>orleansmail.ready</c> (Prometheus <c>orleansmail_ready</c>): 1 while <c>/health/ready</c> would answer 200, else 0,
/// read at each collection, so the alert "readiness false" needs no HTTP probe of its own. The readiness checks are
/// in-memory (host lifetime, membership snapshot, gateway count), so the collection waits on nothing.
/// </summary>
public sealed class ReadinessGauge
{
    public ReadinessGauge(IMeterFactory meterFactory, HealthCheckService health)
    {
        meterFactory.Create(OrleansMailTelemetry.MeterName).CreateObservableGauge("orleansmail.ready",
            () => health.CheckHealthAsync(HealthEndpoints.IsReadiness).GetAwaiter().GetResult().Status == HealthStatus.Healthy ? 1 : 0,
            description: "1 while the process is ready (GET /health/ready answers 200), 0 otherwise");
    }
}
