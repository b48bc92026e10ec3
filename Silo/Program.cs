using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using OrleansMail.Grains.Admin;
using OrleansMail.Grains.Hosting;
using OrleansMail.Silo;

// The Silo process hosts the grains that decide logins. Front ends connect to it as Orleans clients.
// Cluster:Mode = Redis (membership and grain state in Redis) or Localhost (development, one silo on loopback).
var (rest, configFile) = ConfigFileArgument.Split(args);
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = rest, ContentRootPath = AppContext.BaseDirectory });

ClusterSettings cluster;
try
{
    ConfigFileArgument.Apply(builder.Configuration, configFile, rest);
    cluster = ClusterSettings.From(builder.Configuration, ClusterMode.Localhost);
    LoginPolicySettings.From(builder.Configuration);
    UpstreamPoolSettings.From(builder.Configuration);
    AdminToken.From(builder.Configuration);
    if (cluster.Mode == ClusterMode.Embedded)
        throw new InvalidConfigurationException("Cluster:Mode", "Embedded", "a Silo process runs Localhost or Redis clustering; Embedded is for Frontend");
}
catch (InvalidConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

builder.UseOrleans(silo => silo.AddOrleansMailSilo(cluster));
builder.Services.AddOrleansMailAdmin();
builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo");
builder.WebHost.UseUrls(builder.Configuration["Health:Urls"] ?? "http://127.0.0.1:8081");

var app = builder.Build();
app.MapHealthChecks("/health");
// The admin API shares the health port (Health:Urls); it needs Admin:Token and is off without one.
app.MapOrleansMailAdmin();
await app.RunAsync();
return 0;
