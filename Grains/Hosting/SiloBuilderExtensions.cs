using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Storage;
using StackExchange.Redis;

namespace OrleansMail.Grains.Hosting;

/// <summary>One place that turns <see cref="ClusterSettings"/> into a silo, for the Silo process and the embedded silo alike.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>The grain-storage provider name every OrleansMail grain uses.</summary>
    public const string StorageName = "mail";

    public static ISiloBuilder AddOrleansMailSilo(this ISiloBuilder silo, ClusterSettings settings)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = settings.ServiceId;
            o.ClusterId = settings.ClusterId;
        });

        if (settings.Mode == ClusterMode.Redis)
        {
            var redis = ConfigurationOptions.Parse(settings.Redis!);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
            silo.AddRedisGrainStorage(StorageName, o => o.ConfigurationOptions = redis.Clone());
            if (settings.AdvertisedIp is { } advertised)
                silo.ConfigureEndpoints(advertised, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            else
                silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort);
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, null, settings.ServiceId, settings.ClusterId);
            silo.AddMemoryGrainStorage(StorageName);
        }

        // Orleans' default storage serializer writes Newtonsoft JSON with CLR type names, which breaks on a rename
        // (orleans.md trap 5). The binary serializer honours [GenerateSerializer]/[Id]/[Alias] instead.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageName);
        // The LoginPolicy section, read here so the Silo process and the Frontend's embedded silo share it.
        silo.Services.TryAddSingleton(LoginPolicySettings.From(silo.Configuration));
        silo.Services.TryAddSingleton(UpstreamPoolSettings.From(silo.Configuration));
        silo.Services.AddOrleansMailGrainServices();
        return silo;
    }
}
