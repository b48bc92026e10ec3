using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansMail.Grains.Hosting;
using OrleansMail.Tests.Support;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// A cluster whose silos read <c>Cluster:AllowedAuthServers</c> = [<see cref="Listed"/>'s URL], with two real auth
/// servers: <see cref="Listed"/> and <see cref="Unlisted"/>. The login policy is off, so every allowed attempt is
/// one request.
/// </summary>
public sealed class AllowedAuthServersClusterFixture() : GrainClusterFixture(LoginClusterFixture.PolicyOff)
{
    public TestAuthServer Listed { get; private set; } = null!;

    public TestAuthServer Unlisted { get; private set; } = null!;

    /// <summary>Every silo's log lines.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        Listed = await TestAuthServer.StartAsync();
        Unlisted = await TestAuthServer.StartAsync();
        await base.InitializeAsync();
    }

    /// <summary>The Cluster section as the Silo process reads it, with the one listed URL.</summary>
    protected override void ConfigureSiloServices(IServiceCollection services)
    {
        services.AddSingleton(ClusterSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:AllowedAuthServers:0"] = Listed.Url,
        }).Build(), ClusterMode.Localhost));
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Listed.DisposeAsync();
        await Unlisted.DisposeAsync();
    }
}

/// <summary>The collection sharing one <see cref="AllowedAuthServersClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class AllowedAuthServersClusterCollection : ICollectionFixture<AllowedAuthServersClusterFixture>
{
    public const string Name = "allowed-auth-servers-cluster";
}
