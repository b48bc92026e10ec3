using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Hosting;

namespace OrleansMail.Tests.Support;

/// <summary>
/// A whole Frontend process built exactly as Program.cs builds it (embedded silo, Kestrel listeners), hosted in the
/// test process on free loopback ports. Each named listener gets its own settings on top of shared ones, so one
/// proxy can show several configurations; log lines are captured for assertions (no secret may appear in them).
/// </summary>
public sealed class ProxyUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, int> _ports;

    private ProxyUnderTest(WebApplication app, Dictionary<string, int> ports, CapturingLoggerProvider logs)
    {
        _app = app;
        _ports = ports;
        Logs = logs;
    }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>The proxy's services (its IMeterFactory, its ConfigurationReload).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The port of the listener named <paramref name="listener"/>.</summary>
    public int Port(string listener = "imap") => _ports[listener];

    /// <param name="shared">Mail-level settings, e.g. <c>("AuthHttp", url)</c>.</param>
    /// <param name="listeners">Listener name → its own settings (Protocol defaults to imap; <c>{port}</c> is its port).</param>
    /// <param name="other">Top-level settings (not under <c>Mail</c>), e.g. <c>LoginPolicy:*</c>, applied last.</param>
    public static async Task<ProxyUnderTest> StartAsync(
        IEnumerable<(string Key, string Value)> shared,
        IReadOnlyDictionary<string, (string Key, string Value)[]> listeners,
        IEnumerable<(string Key, string Value)>? other = null)
    {
        // The ports are free when probed, but a test running in parallel may bind one before this proxy does (the
        // listeners refuse to share a port, as nginx's do): then try again with fresh ones.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(shared, listeners, other);
            }
            catch (Exception e) when (attempt < 4 && ServerProcess.IsAddressInUse(e))
            {
            }
        }
    }

    private static async Task<ProxyUnderTest> StartOnFreePortsAsync(
        IEnumerable<(string Key, string Value)> shared,
        IReadOnlyDictionary<string, (string Key, string Value)[]> listeners,
        IEnumerable<(string Key, string Value)>? other)
    {
        var ports = ServerProcess.GetFreeTcpPorts(listeners.Count + 2);
        var values = new Dictionary<string, string?>
        {
            ["Mail:ServerName"] = "proxy.test",
            ["Cluster:SiloPort"] = ports[0].ToString(),
            ["Cluster:GatewayPort"] = ports[1].ToString(),
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Orleans."] = "Warning",
            ["Logging:LogLevel:Polly"] = "Warning",
            // The login policy is off unless a test turns it on: the other tests check nginx's behaviour, one auth request per login.
            ["LoginPolicy:auth_cache_ttl"] = "0",
            ["LoginPolicy:auth_cache_token_ttl"] = "0",
            ["LoginPolicy:bruteforce_login_threshold"] = "0",
            ["LoginPolicy:bruteforce_address_threshold"] = "0",
            // Every test client comes from 127.0.0.1, some tests many at once: the per-address pre-login cap is off
            // here too (Tests/FrontDoor tests it on the real process).
            ["PreloginConnectionsPerAddress"] = "0",
        };
        foreach (var (key, value) in shared) values["Mail:" + key] = value;
        foreach (var (key, value) in other ?? []) values[key] = value;
        var byName = new Dictionary<string, int>();
        var index = 0;
        foreach (var (name, settings) in listeners)
        {
            var port = ports[index + 2];
            byName[name] = port;
            var prefix = $"Mail:Servers:{index}:";
            values[prefix + "Name"] = name;
            values[prefix + "Listen"] = $"127.0.0.1:{port}";
            values[prefix + "Protocol"] = "imap";
            // "{port}" in a listener's own value stands for its free port (a test may write its own Listen line).
            foreach (var (key, value) in settings) values[prefix + key] = value.Replace("{port}", port.ToString());
            index++;
        }

        var logs = new CapturingLoggerProvider();
        // Only this configuration: not whichever appsettings.json the build copied into the test folder last.
        var app = MailProxyApplication.Build([], configuration =>
        {
            configuration.Sources.Clear();
            configuration.AddInMemoryCollection(values);
        }, services =>
            services.AddLogging(logging => logging.AddProvider(logs)));
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new ProxyUnderTest(app, byName, logs);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
