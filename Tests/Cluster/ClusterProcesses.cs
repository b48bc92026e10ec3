using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansMail.Tests.Support;
using StackExchange.Redis;

namespace OrleansMail.Tests.Cluster;

/// <summary>Where a cluster lives: one Redis and a ServiceId/ClusterId pair, unique per fixture so fixtures never meet.</summary>
public sealed record ClusterIdentity(string Redis, string ServiceId, string ClusterId)
{
    public static ClusterIdentity Unique(string redis) =>
        new(redis, "orleansmail-test", "c-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The Redis hash Orleans keeps membership in (Microsoft.Orleans.Clustering.Redis).</summary>
    public RedisKey MembershipKey => $"{ServiceId}/members/{ClusterId}";

    /// <summary>
    /// The Cluster section both programs read, with cluster TLS on (the shared test PKI's member certificate), so every
    /// multi-process test runs the transport a Redis cluster must run.
    /// </summary>
    public Dictionary<string, string> Settings()
    {
        var settings = ClusterTestCertificates.Shared.MemberSettings();
        settings["Cluster:Mode"] = "Redis";
        settings["Cluster:Redis"] = Redis;
        settings["Cluster:ServiceId"] = ServiceId;
        settings["Cluster:ClusterId"] = ClusterId;
        return settings;
    }

    /// <summary>The silos in the membership hash, by field (<c>S127.0.0.1:PORT:GENERATION</c>), with their JSON entry.</summary>
    public async Task<IReadOnlyList<MembershipEntry>> ReadMembershipAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis);
        var fields = await redis.GetDatabase().HashGetAllAsync(MembershipKey);
        return fields.Where(f => f.Name != "Version").Select(f => MembershipEntry.Parse(f.Name!, f.Value!)).ToList();
    }
}

/// <summary>One silo's row in the Redis membership table.</summary>
public sealed record MembershipEntry(string Field, int SiloPort, int GatewayPort, int Status, string Json)
{
    /// <summary>Orleans' <c>SiloStatus.Active</c>.</summary>
    public const int Active = 3;

    /// <summary>Orleans' <c>SiloStatus.Dead</c>.</summary>
    public const int Dead = 6;

    public static MembershipEntry Parse(string field, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var address = root.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!; // "127.0.0.1:PORT@GENERATION"
        var port = int.Parse(address[(address.IndexOf(':') + 1)..address.IndexOf('@')], CultureInfo.InvariantCulture);
        return new MembershipEntry(field, port, root.GetProperty("ProxyPort").GetInt32(), root.GetProperty("Status").GetInt32(), json);
    }
}

/// <summary>The built Silo.dll as a separate process on Redis clustering, with its health endpoint on a free port.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private SiloProcess(DotnetAppProcess app, int siloPort, int gatewayPort, int healthPort, TimeSpan startupTime)
    {
        App = app;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HealthPort = healthPort;
        StartupTime = startupTime;
    }

    public DotnetAppProcess App { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HealthPort { get; }

    public string HealthUrl => $"http://127.0.0.1:{HealthPort.ToString(CultureInfo.InvariantCulture)}/health";

    /// <summary>From process start until GET /health answered 200.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>GET /health: status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(HealthUrl, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Starts a silo and waits (bounded) until its health endpoint says 200; retries on a port taken meanwhile.</summary>
    /// <param name="cluster">The cluster it joins: Redis, ids and TLS material.</param>
    /// <param name="name">Its name in logs and failure messages.</param>
    /// <param name="timeout">How long to wait for it to be healthy; a default when null.</param>
    /// <param name="extra">More settings, applied last (e.g. <c>Admin:Token</c>, <c>LoginPolicy:*</c>).</param>
    /// <param name="environment">Environment variables of its own (e.g. a pod's downward-API variables).</param>
    public static async Task<SiloProcess> StartAsync(ClusterIdentity cluster, string name = "Silo", TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? extra = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var ports = ServerProcess.GetFreeTcpPorts(3);
            var settings = cluster.Settings();
            settings["Cluster:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture);
            settings["Cluster:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture);
            settings["Cluster:AdvertisedIp"] = "127.0.0.1";
            settings["Health:Urls"] = $"http://127.0.0.1:{ports[2].ToString(CultureInfo.InvariantCulture)}";
            settings["Logging:LogLevel:Default"] = "Information";
            settings["Logging:LogLevel:Orleans."] = "Warning";
            // The decision cache is off unless a test turns it on: these tests count one auth request per login.
            settings["LoginPolicy:auth_cache_ttl"] = "0";
            foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
            var app = DotnetAppProcess.StartWithEnvironment("Silo", settings, environment ?? new Dictionary<string, string>(), name);
            var silo = new SiloProcess(app, ports[0], ports[1], ports[2], TimeSpan.Zero);
            try
            {
                await app.WaitUntilAsync(
                    async ct => (await silo.GetHealthAsync(ct)).Status == HttpStatusCode.OK,
                    timeout ?? TimeSpan.FromSeconds(60), $"200 from GET {silo.HealthUrl}");
                return new SiloProcess(app, ports[0], ports[1], ports[2], started.Elapsed);
            }
            catch (ServerStartException) when (attempt < 3 && app.Output.Contains("already in use", StringComparison.OrdinalIgnoreCase))
            {
                await app.DisposeAsync(); // Another process took a port between our probe and the bind.
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}

/// <summary>
/// The built Frontend.dll as a separate process: an Orleans client of the Redis cluster, one IMAP listener, and its
/// health and metrics port (<c>Health:Listen</c>).
/// </summary>
public sealed class FrontendProcess : IAsyncDisposable
{
    public const string Greeting = "* OK IMAP4 ready";

    private FrontendProcess(DotnetAppProcess app, int imapPort, int healthPort, TimeSpan startupTime)
    {
        App = app;
        ImapPort = imapPort;
        HealthPort = healthPort;
        StartupTime = startupTime;
    }

    public DotnetAppProcess App { get; }

    public int ImapPort { get; }

    /// <summary>Where it serves /health/live, /health/ready and /metrics.</summary>
    public int HealthPort { get; }

    /// <summary>From process start until the listener greeted.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>Starts a Frontend and waits (bounded) until its IMAP port greets; retries on a port taken meanwhile.</summary>
    /// <param name="cluster">The cluster it is a client of: Redis, ids and TLS material.</param>
    /// <param name="authUrl">The auth_http URL.</param>
    /// <param name="name">Its name in logs and failure messages.</param>
    /// <param name="timeout">How long to wait for its greeting; a default when null.</param>
    /// <param name="extra">More settings, applied last.</param>
    public static async Task<FrontendProcess> StartAsync(ClusterIdentity cluster, string authUrl, string name = "Frontend", TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var ports = ServerProcess.GetFreeTcpPorts(2);
            var port = ports[0];
            var settings = cluster.Settings();
            settings["Health:Listen"] = $"127.0.0.1:{ports[1].ToString(CultureInfo.InvariantCulture)}";
            settings["Mail:ServerName"] = "proxy.test";
            settings["Mail:AuthHttp"] = authUrl;
            settings["Mail:AuthHttpTimeout"] = "5s";
            settings["Mail:Timeout"] = "30s";
            settings["Mail:Servers:0:Name"] = "imap";
            settings["Mail:Servers:0:Listen"] = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            settings["Mail:Servers:0:Protocol"] = "imap";
            settings["Logging:LogLevel:Default"] = "Information";
            settings["Logging:LogLevel:Orleans."] = "Warning";
            // Cluster tests play many clients from 127.0.0.1; the per-address pre-login cap has its own test (FrontDoor).
            settings["PreloginConnectionsPerAddress"] = "0";
            // Stopped at once (the tests stop front ends often); shutdown_delay has its own test (GracefulStopProcessTests).
            settings["ShutdownDelay"] = "0";
            foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
            var app = DotnetAppProcess.Start("Frontend", settings, name);
            try
            {
                await app.WaitUntilAsync(
                    async ct => await ServerProcess.ReadFirstLineAsync(port, null, ct) == Greeting,
                    timeout ?? TimeSpan.FromSeconds(60), $"'{Greeting}' on 127.0.0.1:{port}");
                return new FrontendProcess(app, port, ports[1], started.Elapsed);
            }
            catch (ServerStartException) when (attempt < 3 && app.Output.Contains("already in use", StringComparison.OrdinalIgnoreCase))
            {
                await app.DisposeAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
