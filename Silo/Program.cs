using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Health;
using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Telemetry;
using OrleansMail.Silo;
using OrleansMail.Silo.Kubernetes;

// The Silo process hosts the grains that decide logins. Front ends connect to it as Orleans clients.
// Cluster:Mode = Redis (membership and grain state in Redis) or Localhost (development, one silo on loopback).
var (rest, configFile) = ConfigFileArgument.Split(args);
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });

ClusterSettings cluster;
KubernetesHosting? kubernetes;
TimeSpan shutdownTimeout;
try
{
    ConfigFileArgument.Apply(builder.Configuration, configFile, rest);
    cluster = ClusterSettings.From(builder.Configuration, ClusterMode.Localhost);
    LoginPolicySettings.From(builder.Configuration);
    UpstreamPoolSettings.From(builder.Configuration);
    AdminToken.From(builder.Configuration);
    MetricsSettings.From(builder.Configuration);
    HealthSettings.RefuseUnknownKeys(builder.Configuration);
    if (cluster.Mode == ClusterMode.Embedded)
        throw new InvalidConfigurationException("Cluster:Mode", "Embedded", "a Silo process runs Localhost or Redis clustering; Embedded is for Frontend");
    kubernetes = KubernetesHosting.From(builder.Configuration);
    if (kubernetes is not null && cluster.Mode != ClusterMode.Redis)
        throw new InvalidConfigurationException(KubernetesHosting.Key, "true", "Kubernetes hosting runs with Redis clustering (Cluster:Mode = Redis): Redis holds membership and grain state");
    shutdownTimeout = SiloShutdown.Timeout(builder.Configuration);
}
catch (InvalidConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

builder.UseOrleans(silo =>
{
    silo.AddOrleansMailSilo(cluster);
    if (kubernetes is not null) silo.AddOrleansMailKubernetesHosting(kubernetes, cluster);
});
// SIGTERM (Kubernetes' stop): the silo leaves the cluster cleanly within this time (SiloShutdown).
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
builder.Services.AddOrleansMailAdmin();
builder.Services.AddOrleansMailTelemetry(builder.Configuration, "orleansmail-silo");
// Ready = started, not stopping, and an active member of the cluster.
builder.Services.AddOrleansMailHealth().AddCheck<SiloHealthCheck>("silo", tags: [HealthEndpoints.Ready]);
builder.WebHost.UseUrls(builder.Configuration["Health:Urls"] ?? "http://127.0.0.1:8081");
// The health port answers (503 once stopping) until the silo has left the cluster.
LastToStopServer.Register(builder.Services);

var app = builder.Build();
app.MapOrleansMailHealth();
// The admin API and /metrics share the health port (Health:Urls); both need Admin:Token (the admin API is off
// without one; /metrics may be opened with Metrics:AnonymousScrape).
app.MapOrleansMailAdmin();
app.MapOrleansMailMetrics();
await app.RunAsync();
return 0;
