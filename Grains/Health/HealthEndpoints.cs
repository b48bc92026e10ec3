using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace OrleansMail.Grains.Health;

/// <summary>
/// The health endpoints of every process (README "Observability"), answered 200 (Healthy) or 503 with the verdict as
/// text: <c>GET /health/live</c> (the process runs and answers: no check beyond that, so a supervisor restarts only
/// a hung process), <c>GET /health/ready</c> (every check tagged <see cref="Ready"/>: started and not stopping, plus
/// the process's own, e.g. an active cluster member) and <c>GET /health</c>, the same as ready, kept for existing
/// probes. Readiness is also the <c>orleansmail.ready</c> gauge (<see cref="ReadinessGauge"/>), so an alert can
/// see it in Prometheus.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>The tag of the checks <c>/health/ready</c> runs.</summary>
    public const string Ready = "ready";

    /// <summary>Registers the health checks with the host's own readiness; add the process's checks with <see cref="Ready"/>.</summary>
    public static IHealthChecksBuilder AddOrleansMailHealth(this IServiceCollection services)
    {
        services.AddSingleton<ReadinessGauge>();
        // A "not ready" verdict is an answer, not an error: the health check service logs each unhealthy result at
        // Error, which would be a line per probe and per collection while the process starts or drains.
        services.Configure<LoggerFilterOptions>(o => o.Rules.Add(
            new LoggerFilterRule(null, "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical, null)));
        return services.AddHealthChecks().AddCheck<HostRunningHealthCheck>("host", tags: [Ready]);
    }

    public static WebApplication MapOrleansMailHealth(this WebApplication app)
    {
        app.Services.GetRequiredService<ReadinessGauge>();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = IsReadiness });
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = IsReadiness });
        return app;
    }

    internal static bool IsReadiness(HealthCheckRegistration check) => check.Tags.Contains(Ready);
}
