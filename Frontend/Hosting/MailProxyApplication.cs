using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using StackExchange.Redis;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Builds the Frontend process: Kestrel listeners with the mail connection handlers, and either an embedded silo
/// (no cluster configured) or an Orleans client to a Localhost or Redis cluster. Tests build it the same way.
/// </summary>
public static class MailProxyApplication
{
    /// <summary>Builds the application; throws <see cref="InvalidConfigurationException"/> for a bad setting.</summary>
    /// <param name="args">Command-line arguments, including <c>--config FILE</c>.</param>
    /// <param name="configure">Extra configuration sources (tests use in-memory values); applied last, so they win.</param>
    /// <param name="services">Extra services (tests add a log capture); applied after the proxy's own.</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var (rest, configFile) = ConfigFileArgument.Split(args);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });
        ConfigFileArgument.Apply(builder.Configuration, configFile, rest);
        configure?.Invoke(builder.Configuration);

        var servers = MailSettingsReader.Read(builder.Configuration);
        var cluster = ClusterSettings.From(builder.Configuration, ClusterMode.Embedded);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LoginDecider>();
        builder.Services.AddSingleton<UpstreamConnector>();
        builder.Services.AddSingleton<RelayIdleMonitor>();
        builder.Services.AddSingleton<SessionServices>();
        builder.Services.AddSingleton<IClientHostResolver, DnsClientHostResolver>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddSingleton<IReadOnlyList<ServerSettings>>(servers);

        ConfigureCluster(builder, cluster, servers);
        services?.Invoke(builder.Services);

        builder.WebHost.UseSockets(options => ListenSockets.Configure(options, servers));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var server in servers)
            {
                var feature = Listeners.For(server);
                var tls = server.Tls.Enabled
                    ? new Tls.ClientTls(server, kestrel.ApplicationServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
                        kestrel.ApplicationServices.GetRequiredService<TimeProvider>())
                    : null;
                kestrel.Listen(server.Listen, listen =>
                {
                    listen.Protocols = HttpProtocols.None;
                    listen.Use(next => connection =>
                    {
                        connection.Features.Set<IListenerFeature>(feature);
                        if (tls is not null) connection.Features.Set(tls);
                        ListenSockets.ApplyKeepAlive(connection, server.ListenParameters.KeepAlive);
                        return next(connection);
                    });
                    listen.UseConnectionHandler<MailConnectionHandler>();
                });
            }
        });

        return builder.Build();
    }

    private static void ConfigureCluster(WebApplicationBuilder builder, ClusterSettings cluster, IReadOnlyList<ServerSettings> servers)
    {
        // The longest a login decision may take: the slowest auth server's deadline, plus the queue of attempts for
        // the same login ahead of it (decided one at a time), plus slack. Orleans' default of 30 s would cut
        // auth_http_timeout's default of 60 s short.
        var responseTimeout = TimeSpan.FromSeconds(10) + 2 * servers.Max(s => s.AuthHttp.Timeout);

        if (cluster.Mode == ClusterMode.Embedded)
        {
            builder.UseOrleans(silo =>
            {
                silo.AddOrleansMailSilo(cluster);
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            });
            return;
        }

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = cluster.ServiceId;
                o.ClusterId = cluster.ClusterId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            if (cluster.Mode == ClusterMode.Redis)
            {
                var redis = ConfigurationOptions.Parse(cluster.Redis!);
                client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }
        });
    }
}
