using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Two in-process silos with the grains' services and the given login policy; the "mail" storage is in memory with
/// the binary serializer, as production has it in Redis. Startup is slow, so test classes share one per collection.
/// </summary>
public abstract class GrainClusterFixture(LoginPolicySettings policy) : IAsyncLifetime
{
    /// <summary>The cluster; <c>Cluster.Client</c> plays one front end, a silo's grain factory another.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <inheritdoc />
    public virtual async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOrleansMailMembership(ClusterSettings.From(new ConfigurationBuilder().Build(), ClusterMode.Localhost));
            silo.AddMemoryGrainStorage(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
            silo.Services.AddSingleton(policy);
            ConfigureSiloServices(silo.Services);
            silo.Services.AddOrleansMailGrainServices();
            silo.Services.AddOrleansMailAdmin();
            // As the Silo and Frontend processes run: the login trace goes through grain calls.
            silo.AddActivityPropagation();
            ConfigureSilo(silo);
        });
        builder.ConfigureClient(client => client.AddActivityPropagation());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>One front end's view of a login's grain: the cluster client.</summary>
    public IUserLoginGrain Grain(string login) => Cluster.Client.GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));

    /// <summary>A second front end: a grain factory inside the other silo.</summary>
    public IUserLoginGrain GrainFromOtherFrontEnd(string login) =>
        Cluster.Silos[^1].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IUserLoginGrain>(LoginGrainKey.For(login, LoginCase.Insensitive));

    /// <summary>The admin operations, as a silo's admin API runs them.</summary>
    public LoginAdministration Admin => Cluster.Silos[0].ServiceProvider.GetRequiredService<LoginAdministration>();

    /// <summary>Records an instrument of the <c>OrleansMail</c> meter on every silo (dispose it at the end of the test).</summary>
    public Support.InstrumentRecorder<T> Record<T>(string instrument) where T : struct =>
        new(Cluster.Silos.Select(s => s.ServiceProvider), instrument);

    /// <summary>More silo services before the grains' own defaults (a derived fixture's settings).</summary>
    protected virtual void ConfigureSiloServices(IServiceCollection services)
    {
    }

    /// <summary>More silo configuration (a derived fixture's grain call filters).</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
