using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Admin;
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
        DefaultListeners.YieldTo(builder.Configuration);

        var servers = MailSettingsReader.Read(builder.Configuration);
        var cluster = ClusterSettings.From(builder.Configuration, ClusterMode.Embedded);
        if (cluster.Mode == ClusterMode.Embedded) LoginPolicySettings.From(builder.Configuration); // validated before anything starts

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<LoginDecider>();
        builder.Services.AddSingleton<UpstreamConnector>();
        builder.Services.AddSingleton<RelayIdleMonitor>();
        builder.Services.AddSingleton<SessionServices>();
        builder.Services.AddSingleton<IClientHostResolver, DnsClientHostResolver>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddSingleton<IReadOnlyList<ServerSettings>>(servers);

        ConfigureCluster(builder, cluster, servers);
        var adminListen = EmbeddedAdminListen(builder.Configuration, cluster);
        if (adminListen is not null) builder.Services.AddOrleansMailAdmin();
        services?.Invoke(builder.Services);

        builder.WebHost.UseSockets(options => ListenSockets.Configure(options, servers));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var server in servers)
            {
                var feature = Listeners.For(server);
                kestrel.Listen(server.Listen, listen =>
                {
                    listen.Protocols = HttpProtocols.None;
                    listen.Use(next => connection =>
                    {
                        connection.Features.Set<IListenerFeature>(feature);
                        ListenSockets.ApplyKeepAlive(connection, server.ListenParameters.KeepAlive);
                        return next(connection);
                    });
                    listen.UseConnectionHandler<MailConnectionHandler>();
                });
            }

            if (adminListen is not null) kestrel.Listen(adminListen, listen => listen.Protocols = HttpProtocols.Http1);
        });

        // Kestrel announces every mail listener as "Now listening on: http://…" (appsettings.json quiets
        // Microsoft.Hosting.Lifetime for that reason); say what they are instead.
        var app = builder.Build();
        if (adminListen is not null) app.MapOrleansMailAdmin();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansMail.Frontend.Listeners");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var server in servers)
                log.LogInformation("listening for {Protocol} on {Listen} ({Name})", server.Protocol.ToString().ToLowerInvariant(), server.Listen, server.Name);
        });
        return app;
    }

    /// <summary>
    /// <c>Admin:Listen</c> (e.g. <c>127.0.0.1:8082</c>): where a Frontend that hosts the embedded silo serves the admin
    /// API; ignored with a separate cluster, whose Silo processes serve it.
    /// </summary>
    private static System.Net.IPEndPoint? EmbeddedAdminListen(IConfiguration configuration, ClusterSettings cluster)
    {
        var value = configuration["Admin:Listen"];
        if (string.IsNullOrWhiteSpace(value) || cluster.Mode != ClusterMode.Embedded) return null;
        return System.Net.IPEndPoint.TryParse(value.Trim(), out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new InvalidConfigurationException("Admin:Listen", value, "expected address:port, e.g. 127.0.0.1:8082");
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
