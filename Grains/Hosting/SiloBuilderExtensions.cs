using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Dashboard;
using Orleans.Storage;

namespace OrleansMail.Grains.Hosting;

/// <summary>One place that turns <see cref="ClusterSettings"/> into a silo, for the Silo process and the embedded silo alike.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>The grain-storage provider name every OrleansMail grain uses.</summary>
    public const string StorageName = "mail";

    /// <summary>How often the Orleans dashboard samples its counters (its charts then move in 5 s steps).</summary>
    public const int DashboardCounterIntervalMs = 5000;

    /// <summary>How many grain locations a silo caches (GrainDirectoryOptions.CacheSize; Orleans' default is 1,000,000).</summary>
    public const int DirectoryCacheSize = 100_000;

    public static ISiloBuilder AddOrleansMailSilo(this ISiloBuilder silo, ClusterSettings settings)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = settings.ServiceId;
            o.ClusterId = settings.ClusterId;
        });

        silo.AddOrleansMailMembership(settings);
        silo.AddOrleansMailTransportSecurity(settings);
        silo.Services.TryAddSingleton(settings);

        if (settings.Mode == ClusterMode.Redis)
        {
            // Membership and grain state on the same Redis, with its TLS settings (RedisOptions); the options are
            // built when resolved, where the refusal of a Redis certificate can be logged.
            silo.UseRedisClustering((RedisClusteringOptions _) => { });
            silo.Services.AddOptions<RedisClusteringOptions>()
                .Configure<ILoggerFactory>((o, loggers) => o.ConfigurationOptions = RedisOptions.Create(settings, loggers));
            silo.AddRedisGrainStorage(StorageName, (RedisStorageOptions _) => { });
            silo.Services.AddOptions<RedisStorageOptions>(StorageName)
                .Configure<ILoggerFactory>((o, loggers) => o.ConfigurationOptions = RedisOptions.Create(settings, loggers));
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
        // ([Alias] does not help there). The binary serializer honours [GenerateSerializer]/[Id]/[Alias] instead.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageName);
        // The LoginPolicy section, read here so the Silo process and the Frontend's embedded silo share it.
        silo.Services.TryAddSingleton(LoginPolicySettings.From(silo.Configuration));
        silo.Services.TryAddSingleton(UpstreamPoolSettings.From(silo.Configuration));
        silo.Services.AddOrleansMailGrainServices();
        // Every silo feeds the dashboard (Microsoft.Orleans.Dashboard), served on the admin port behind Admin:Token; the live log
        // trace is off, since log lines name logins and addresses. Its counters are sampled every 5 s rather than every
        // second: each sample collects Orleans' own instruments, whose directory-cache size alone took 12 % of a busy
        // Frontend's CPU at one sample a second (docs/performance/login-profile.md, "Background work").
        silo.AddDashboard(o =>
        {
            o.HideTrace = true;
            o.CounterUpdateIntervalMs = DashboardCounterIntervalMs;
        });
        // A grain call continues the caller's trace (the Frontend's login span), and so does the auth_http request the
        // grain makes (README "Observability", traces).
        silo.AddActivityPropagation();
        return silo;
    }

    /// <summary>
    /// Failure detection and the grain directory, shared by production silos and the test clusters so both run the
    /// same consistency model.
    /// </summary>
    public static ISiloBuilder AddOrleansMailMembership(this ISiloBuilder silo, ClusterSettings settings)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbesLimit;
        });

        // The strongly consistent in-cluster grain directory (README "Consistency"): Orleans' default directory is
        // eventually consistent and can briefly run two activations of one login's grain while membership changes,
        // which would split its wrong-secret counts and session slots in two. This one holds versioned range locks so
        // a grain has at most one activation; the grains' state writes also tolerate a duplicate (ETag conflicts are
        // re-read and re-applied, see PersistentStateUpdates).
#pragma warning disable ORLEANSEXP003 // "for evaluation" in 10.4.2; chosen deliberately (README "Consistency"), covered by the cluster tests
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        // Orleans sizes its grain-location cache's dictionary for the cache's whole capacity up front, and its gauge
        // of the cache's size counts the entries by walking every bucket: at the default capacity (1,000,000) each
        // dashboard sample walked a million buckets, 2 % of a busy Frontend's CPU at one sample every 5 s
        // (docs/performance/tls.md, "What the profile showed"). Each login touches one login grain and one address
        // grain; a silo caches where those it calls live on other silos, so this many covers the logins of the
        // last minutes of a large cluster, and a location not cached is one directory lookup away.
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize);
        return silo;
    }
}
