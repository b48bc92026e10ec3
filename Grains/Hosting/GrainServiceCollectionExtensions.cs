using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansMail.Grains.AuthHttp;

namespace OrleansMail.Grains.Hosting;

/// <summary>The services the grains need, wherever a silo runs (Silo process, embedded silo, test cluster).</summary>
public static class GrainServiceCollectionExtensions
{
    public static IServiceCollection AddOrleansMailGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddAuthHttpClient();
        services.TryAddSingleton(new LoginPolicySettings());
        services.TryAddSingleton<Login.SecretHasher>();
        return services;
    }
}
