using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using OrleansMail.Frontend.Auth;
using OrleansMail.Frontend.ClientHost;
using OrleansMail.Frontend.Configuration;
using OrleansMail.Frontend.Configuration.Nginx;
using OrleansMail.Frontend.Connections;
using OrleansMail.Frontend.ProxyProtocol;
using OrleansMail.Frontend.Sessions;
using OrleansMail.Frontend.Relay;
using OrleansMail.Frontend.Upstream;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Health;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Telemetry;

namespace OrleansMail.Frontend.Hosting;

/// <summary>
/// Builds the Frontend process: Kestrel listeners with the mail connection handlers, and either an embedded silo
/// (no cluster configured) or an Orleans client to a Localhost or Redis cluster. Tests build it the same way.
/// </summary>
public static class MailProxyApplication
{
    /// <summary>Builds the application; throws <see cref="InvalidConfigurationException"/> for a bad setting.</summary>
    /// <param name="args">Command-line arguments: <c>--config FILE</c> (JSON) or nginx's <c>-c FILE</c>, <c>-p</c>, <c>-g</c> (see <see cref="NginxCommandLine"/>).</param>
    /// <param name="configure">Extra configuration sources (tests use in-memory values); applied last, so they win.</param>
    /// <param name="services">Extra services (tests add a log capture); applied after the proxy's own.</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var command = NginxCommandLine.Parse(args);
        var (rest, configFile) = ConfigFileArgument.Split(command.Remaining);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });
        ConfigFileArgument.Apply(builder.Configuration, configFile, rest);

        // An nginx file (-c) is one more source of the same keys; its listeners come from it alone, so the example
        // listener of appsettings.json does not mix in.
        var nginx = command.ConfigFile is null ? null : NginxConfiguration.Load(command);
        if (nginx is not null) ((IConfigurationBuilder)builder.Configuration).Add(nginx.Source);
        configure?.Invoke(builder.Configuration);
        DefaultListeners.YieldTo(builder.Configuration);

        var snapshot = nginx is not null ? ConfigurationSnapshot.FromNginx(nginx) : ConfigurationSnapshot.FromConfiguration(builder.Configuration);
        var servers = snapshot.Servers.ToList();
        ClusterSettings cluster;
        try { cluster = ClusterSettings.From(builder.Configuration, ClusterMode.Embedded); }
        catch (InvalidConfigurationException e) when (nginx is not null) { throw nginx.At(e); }
        // Validated before anything starts. Read in every mode: the front end keys login grains by login_case.
        LoginPolicySettings policy;
        try { policy = LoginPolicySettings.From(builder.Configuration); if (cluster.Mode == ClusterMode.Embedded) UpstreamPoolSettings.From(builder.Configuration); AdminToken.From(builder.Configuration); }
        catch (InvalidConfigurationException e) when (nginx is not null) { throw nginx.At(e); }
        ConnectionLimitSettings connectionLimits;
        try { connectionLimits = ConnectionLimitSettings.From(builder.Configuration); }
        catch (InvalidConfigurationException e) when (nginx is not null) { throw nginx.At(e); }
        if (nginx is not null) AddNginxProcess(builder, nginx, servers);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(cluster);
        builder.Services.TryAddSingleton(policy);
        builder.Services.AddSingleton<LoginGrains>();
        builder.Services.AddSingleton<LoginGrainClient>();
        builder.Services.AddSingleton<UpstreamConnector>();
        builder.Services.AddSingleton<UpstreamFailureReports>();
        builder.Services.AddSingleton<RelayIdleMonitor>();
        builder.Services.AddSingleton<SessionServices>();
        builder.Services.AddSingleton<SessionDrain>();
        builder.Services.AddSingleton<Telemetry.FrontendMetrics>();
        builder.Services.AddSingleton<Telemetry.LoginTracer>();
        builder.Services.AddSingleton<SessionLeaseRenewer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionLeaseRenewer>());
        builder.Services.AddSingleton<IClientHostResolver, DnsClientHostResolver>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddSingleton(new ConnectionLimits(connectionLimits));
        builder.Services.AddSingleton<ConnectionAdmission>();
        builder.Services.AddSingleton<IReadOnlyList<ServerSettings>>(servers);

        ConfigureCluster(builder, cluster, servers);
        AddMailListeners(builder, snapshot, nginx);
        System.Net.IPEndPoint? adminListen, healthListen;
        try
        {
            adminListen = EmbeddedAdminListen(builder.Configuration, cluster);
            healthListen = HealthListen(builder.Configuration);
            HealthSettings.RefuseUnknownKeys(builder.Configuration);
            MetricsSettings.From(builder.Configuration);
        }
        catch (InvalidConfigurationException e) when (nginx is not null) { throw nginx.At(e); }
        if (adminListen is not null) builder.Services.AddOrleansMailAdmin();
        builder.Services.AddOrleansMailTelemetry(builder.Configuration, "orleansmail-frontend");
        AddReadiness(builder, cluster);
        services?.Invoke(builder.Services);

        // The mail listeners are not this Kestrel's (MailListeners runs one server per listener, so that a reload can
        // open and close them); it serves health, /metrics and the embedded silo's admin API on Health:Listen and
        // Admin:Listen, and with neither nothing is listening here.
        builder.WebHost.UseSockets();
        var httpListen = new[] { adminListen, healthListen }.OfType<System.Net.IPEndPoint>().Distinct().ToList();
        var shutdown = ShutdownSchedule.From(builder.Configuration, nginx, servesReadiness: healthListen is not null);
        builder.Services.AddSingleton(shutdown);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown.HostTimeout);
        if (httpListen.Count == 0) builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoHttpServer>();
        else LastToStopServer.Register(builder.Services); // answers 503 on /health/ready while sessions drain
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var endpoint in httpListen) kestrel.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.MapOrleansMailHealth();
        if (adminListen is not null) app.MapOrleansMailAdmin();
        if (httpListen.Count > 0) app.MapOrleansMailMetrics();
        return app;
    }

    /// <summary>
    /// Readiness (<c>/health/ready</c>, the <c>orleansmail.ready</c> gauge): the host has started (every listener
    /// accepts, the pid file is written) and is not stopping, and the cluster is there: the embedded silo an active
    /// member, or the cluster client connected to a gateway.
    /// </summary>
    private static void AddReadiness(WebApplicationBuilder builder, ClusterSettings cluster)
    {
        var health = builder.Services.AddOrleansMailHealth();
        if (cluster.Mode == ClusterMode.Embedded)
        {
            health.AddCheck<SiloHealthCheck>("silo", tags: [HealthEndpoints.Ready]);
            return;
        }
        builder.Services.AddSingleton<ClusterClientHealthCheck>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(services => services.GetRequiredService<ClusterClientHealthCheck>());
        health.AddCheck<ClusterClientHealthCheck>("cluster-client", tags: [HealthEndpoints.Ready]);
    }

    /// <summary>
    /// The mail listeners and their reload (SIGHUP, <c>-s reload</c>). Registered after the cluster, so that they open
    /// once the silo or client has started and close before it stops.
    /// </summary>
    private static void AddMailListeners(WebApplicationBuilder builder, ConfigurationSnapshot snapshot, NginxConfiguration? nginx)
    {
        builder.Services.AddSingleton(snapshot);
        builder.Services.AddSingleton<MailListeners>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MailListeners>());
        builder.Services.AddSingleton(nginx is not null ? ReloadableConfiguration.Nginx(nginx) : ReloadableConfiguration.Json(builder.Configuration));
        builder.Services.AddSingleton<ConfigurationReload>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConfigurationReload>());
    }

    private static void AddNginxProcess(WebApplicationBuilder builder, NginxConfiguration nginx, IReadOnlyList<ServerSettings> servers)
    {
        builder.Services.AddSingleton(nginx);
        builder.Services.AddHostedService<NginxProcessLifetime>();
        AddNginxErrorLog(builder, nginx, servers);
    }

    /// <summary>
    /// nginx's error_log: the top-level list (or <c>-e FILE</c> at level error when the file sets none, as
    /// ngx_log_open_default in src/core/ngx_log.c) replaces the console, as an nginx with error_log writes nothing to
    /// stderr unless told to; each server's own list takes its sessions' lines. Without any, the console stays.
    /// </summary>
    private static void AddNginxErrorLog(WebApplicationBuilder builder, NginxConfiguration nginx, IReadOnlyList<ServerSettings> servers)
    {
        var main = nginx.Mapped.ErrorLogs.Count > 0 || nginx.Command.ErrorLog is null
            ? nginx.Mapped.ErrorLogs
            : [new NginxErrorLog(nginx.Command.ErrorLog, LogLevel.Error)];
        // Mail:Servers:N is read into servers[N] (MailSettingsReader keeps the sections' order); its listener picks the list.
        var own = nginx.Mapped.ServerErrorLogs.ToDictionary(s => servers[s.Key].Listen, s => s.Value);
        if (main.Count == 0 && own.Count == 0) return;

        var provider = new NginxErrorLogProvider(main, own, TimeProvider.System);
        if (main.Count > 0) builder.Logging.ClearProviders();
        builder.Logging.AddProvider(provider);
        // OrleansMail's own lines down to the lowest error_log level; other categories keep Logging:LogLevel's levels.
        builder.Logging.AddFilter<NginxErrorLogProvider>("OrleansMail", provider.Minimum);
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

    /// <summary>
    /// <c>Health:Listen</c> (nginx <c>health_listen</c>, e.g. <c>127.0.0.1:8083</c>): where the Frontend serves
    /// <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c>. A Frontend with the embedded silo serves them on
    /// <c>Admin:Listen</c> too, next to the admin API.
    /// </summary>
    private static System.Net.IPEndPoint? HealthListen(IConfiguration configuration)
    {
        var value = configuration["Health:Listen"];
        if (string.IsNullOrWhiteSpace(value)) return null;
        return System.Net.IPEndPoint.TryParse(value.Trim(), out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new InvalidConfigurationException("Health:Listen", value, "expected address:port, e.g. 127.0.0.1:8083");
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
            // Learn of silos that joined (or were declared dead) within seconds rather than Orleans' default minute.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            // The login span continues into the grain call (README "Observability", traces).
            client.AddActivityPropagation();
            // Cluster:Tls: the gateways accept this client only with a certificate from the cluster's CA.
            client.AddOrleansMailTransportSecurity(cluster);
            if (cluster.Mode == ClusterMode.Redis)
            {
                client.UseRedisClustering((Orleans.Clustering.Redis.RedisClusteringOptions _) => { });
                client.Services.AddOptions<Orleans.Clustering.Redis.RedisClusteringOptions>()
                    .Configure<ILoggerFactory>((o, loggers) => o.ConfigurationOptions = RedisOptions.Create(cluster, loggers));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }
        });
    }
}
