using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansMail.Grains.Telemetry;

/// <summary>Registers the grains' instruments (<see cref="GrainMetrics"/>) over the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>.</summary>
public static class GrainMetricsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="GrainMetrics"/> as a singleton, and the meter factory when the host has none yet; idempotent.</summary>
    public static IServiceCollection AddGrainMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GrainMetrics>();
        return services;
    }
}
