using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Frontend.Connections;

/// <summary>
/// The front door's limits, for the whole process (README "Connection limits"): <c>WorkerConnections</c> (nginx's
/// <c>events { worker_connections }</c>, src/event/ngx_event.c), the client connections open at once across every
/// listener; and <c>PreloginConnectionsPerAddress</c>, the connections one client address prefix may hold before
/// logging in, the prefix and the exempt trusted networks being the login policy's
/// (<c>LoginPolicy:BruteforceIpv4Prefix</c>, <c>BruteforceIpv6Prefix</c>, <c>TrustedNetworks</c>).
/// </summary>
public sealed record ConnectionLimitSettings(int WorkerConnections, int PreloginPerAddress, int Ipv4Prefix, int Ipv6Prefix, IReadOnlyList<IPNetwork> TrustedNetworks)
{
    public const string WorkerConnectionsKey = "WorkerConnections";
    public const string PreloginPerAddressKey = "PreloginConnectionsPerAddress";

    /// <summary>What nginx uses without <c>worker_connections</c>, and the fallback where the descriptor limit is unknown.</summary>
    public const int NginxDefaultWorkerConnections = 512;

    public const int DefaultPreloginPerAddress = 20;

    /// <summary>Reads and validates the keys; a bad value stops start-up naming the key.</summary>
    public static ConnectionLimitSettings From(IConfiguration configuration)
    {
        var policy = LoginPolicySettings.From(configuration);
        return new ConnectionLimitSettings(
            Count(configuration, WorkerConnectionsKey, DefaultWorkerConnections(), min: 1),
            Count(configuration, PreloginPerAddressKey, DefaultPreloginPerAddress, min: 0),
            policy.BruteforceIpv4Prefix,
            policy.BruteforceIpv6Prefix,
            policy.TrustedNetworks);
    }

    /// <summary>
    /// Without <c>WorkerConnections</c>: half the process's open-file limit less a reserve (a proxied session holds two
    /// descriptors; the cluster, the auth server and the log need some), so the proxy never accepts a connection it
    /// could not proxy and never runs out of descriptors under a flood. nginx's 512 where the limit cannot be read.
    /// </summary>
    public static int DefaultWorkerConnections()
    {
        const int reserve = 256;
        var limit = OpenFileLimit();
        return limit is { } files && files > 2 * NginxDefaultWorkerConnections + reserve ? (int)Math.Min(int.MaxValue, (files - reserve) / 2) : NginxDefaultWorkerConnections;
    }

    /// <summary>The soft RLIMIT_NOFILE (.NET raises it to the hard limit at start-up), from /proc/self/limits on Linux.</summary>
    private static long? OpenFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static int Count(IConfiguration configuration, string key, int fallback, int min) =>
        SettingsSection.Root(configuration).Int(key, fallback, min);
}
