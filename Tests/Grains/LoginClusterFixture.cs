using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Two in-process silos with the grains' services, shared by the login grain tests (startup is slow). The login
/// policy is off here (no cache, no throttling), so these tests see nginx's protocol alone; the policy has its own
/// fixture. Tests use unique logins and their own <see cref="Support.TestAuthServer"/>, so they do not see each other.
/// </summary>
public sealed class LoginClusterFixture : IAsyncLifetime
{
    /// <summary>No cache and no throttling: every attempt reaches the auth server, as with nginx.</summary>
    public static readonly LoginPolicySettings PolicyOff = new()
    {
        AuthCacheTtl = TimeSpan.Zero,
        BruteforceLoginThreshold = 0,
        BruteforceAddressThreshold = 0,
    };

    /// <summary>The cluster; <c>Cluster.Client</c> plays one front end, a silo's grain factory another.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>What every test silo gets: the "mail" storage in memory with the binary serializer, as production has in Redis.</summary>
    public static void ConfigureGrains(ISiloBuilder silo, LoginPolicySettings policy)
    {
        silo.AddMemoryGrainStorage(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(OrleansMail.Grains.Hosting.SiloBuilderExtensions.StorageName);
        silo.Services.AddSingleton(policy);
        silo.Services.AddOrleansMailGrainServices();
        silo.Services.AddOrleansMailAdmin();
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) => ConfigureGrains(silo, PolicyOff));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>The collection sharing one <see cref="LoginClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LoginClusterCollection : ICollectionFixture<LoginClusterFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "login-cluster";
}
