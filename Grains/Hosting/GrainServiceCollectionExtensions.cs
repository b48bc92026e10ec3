using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansMail.Grains.AuthHttp;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Grains.Hosting;

/// <summary>The services the grains need, wherever a silo runs (Silo process, embedded silo, test cluster).</summary>
public static class GrainServiceCollectionExtensions
{
    public static IServiceCollection AddOrleansMailGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddGrainMetrics();
        services.AddAuthHttpClient();
        services.TryAddSingleton(new LoginPolicySettings());
        services.TryAddSingleton<Login.SecretHasher>();
        services.TryAddSingleton(new UpstreamPoolSettings());
        services.TryAddSingleton<Upstreams.UpstreamHealthCache>();
        // The cache's refresh loop runs while the silo is active (once, however often this is called).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, Upstreams.UpstreamHealthCache>(
            sp => sp.GetRequiredService<Upstreams.UpstreamHealthCache>()));
        services.TryAddSingleton<Upstreams.UpstreamPlacement>();
        // Cluster:AllowedAuthServers, from the process's ClusterSettings (none registered: any auth server).
        services.TryAddSingleton(sp => new Login.AuthServerAllowList(
            sp.GetService<ClusterSettings>()?.AllowedAuthServers ?? [], sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Login.AuthServerAllowList>>()));
        return services;
    }
}
