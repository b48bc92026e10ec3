using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// The web host's server when there is no admin API to serve: the mail listeners run on their own servers
/// (<see cref="MailListeners"/>), and Kestrel with no endpoint would listen on localhost:5000 by default.
/// </summary>
internal sealed class NoHttpServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
