using System.Net;
using Orleans.TestingHost;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Two in-process silos with the login policy on (cache, negative cache, stale-if-error, local digest checks,
/// throttling with a trusted network), memory storage standing in for Redis.
/// </summary>
public sealed class LoginPolicyClusterFixture : IAsyncLifetime
{
    /// <summary>The trusted network (a webmail front).</summary>
    public const string TrustedNetwork = "198.51.100.0/24";

    public static readonly LoginPolicySettings Policy = new()
    {
        AuthCacheTtl = TimeSpan.FromSeconds(60),
        AuthCacheNegativeTtl = TimeSpan.FromSeconds(2),
        AuthCacheStaleIfError = TimeSpan.FromMinutes(10),
        AuthCacheDigestLocal = true,
        BruteforceLoginThreshold = 5,
        BruteforceAddressThreshold = 20,
        BruteforceWindow = TimeSpan.FromMinutes(15),
        TrustedNetworks = [IPNetwork.Parse(TrustedNetwork)],
    };

    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) => LoginClusterFixture.ConfigureGrains(silo, Policy));
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

/// <summary>The collection sharing one <see cref="LoginPolicyClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LoginPolicyClusterCollection : ICollectionFixture<LoginPolicyClusterFixture>
{
    public const string Name = "login-policy-cluster";
}
