using Orleans.TestingHost;
using OrleansMail.Grains.AuthHttp;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// Two in-process silos with the auth_http client registered, shared by the login grain tests (startup is slow).
/// Tests use unique logins and their own <see cref="Support.TestAuthServer"/>, so they do not see each other.
/// </summary>
public sealed class LoginClusterFixture : IAsyncLifetime
{
    /// <summary>The cluster; <c>Cluster.Client</c> plays one front end, a silo's grain factory another.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) => silo.Services.AddAuthHttpClient());
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
