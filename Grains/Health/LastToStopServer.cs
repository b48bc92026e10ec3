using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrleansMail.Grains.Health;

/// <summary>
/// Keeps the HTTP port (health, <c>/metrics</c>, admin API) answering until every other part of the process has
/// stopped. A <c>WebApplication</c> starts its web server after the other hosted services and so stops it first:
/// on SIGTERM the health port would close at once, while the mail listeners drain their sessions for up to
/// <c>worker_shutdown_timeout</c>, and a load balancer would see "connection refused" instead of
/// <c>/health/ready</c>'s 503. This wraps the real server: the web host's stop is ignored, and the real stop is made by
/// a hosted service registered before all others, which the host stops last.
/// </summary>
public sealed class LastToStopServer(IServer inner) : IServer
{
    private const string InnerKey = "orleansmail-http-server";

    public IFeatureCollection Features => inner.Features;

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
        inner.StartAsync(application, cancellationToken);

    /// <summary>The web host's stop, which comes first: the server goes on answering (<see cref="FinalStop"/> stops it).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => inner.Dispose();

    /// <summary>
    /// Wraps the registered <see cref="IServer"/> (Kestrel); call once the server is chosen. The stop is inserted as
    /// the first hosted service, so it runs after the mail listeners, the cluster client or silo have stopped.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        var server = services.Last(d => d.ServiceType == typeof(IServer));
        services.Remove(server);
        services.Add(server.ImplementationType is { } type
            ? ServiceDescriptor.KeyedSingleton(typeof(IServer), InnerKey, type)
            : ServiceDescriptor.KeyedSingleton(typeof(IServer), InnerKey, (provider, _) => server.ImplementationFactory is { } factory ? factory(provider) : server.ImplementationInstance!));
        services.AddSingleton(provider => new LastToStopServer(provider.GetRequiredKeyedService<IServer>(InnerKey)));
        services.AddSingleton<IServer>(provider => provider.GetRequiredService<LastToStopServer>());
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, FinalStop>());
    }

    /// <summary>Stops the real server when the host stops its first-registered service, i.e. last.</summary>
    private sealed class FinalStop(LastToStopServer server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => server.Inner.StopAsync(cancellationToken);
    }

    private IServer Inner => inner;
}
