using System.Collections.Concurrent;
using System.Net;
using DnsClient;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>
/// One DnsClient <see cref="LookupClient"/> per distinct <c>resolver</c> list and <c>resolver_timeout</c>, shared by
/// every SMTP connection (a LookupClient is thread-safe and holds the answer cache and the pooled TCP connections,
/// so one per connection would waste both). Listeners are configured once, so the set stays small.
/// </summary>
internal sealed class DnsLookupClients
{
    private readonly ConcurrentDictionary<string, Lazy<LookupClient>> _clients = new(StringComparer.Ordinal);

    /// <summary>The shared client for these name servers and this deadline.</summary>
    public ILookupClient For(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        var key = string.Join(',', servers) + "|" + timeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return _clients.GetOrAdd(key, static (_, state) => new Lazy<LookupClient>(() => Create(state.servers, state.timeout)), (servers, timeout)).Value;
    }

    private static LookupClient Create(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout) => new(new LookupClientOptions([.. servers])
    {
        // The caller's deadline (resolver_timeout for the whole lookup) is the real bound. Each query to one server
        // gets an equal share of half of it, so that both the PTR and the forward lookup can go through every
        // configured server, silent ones included, and still reach a working one in time (nginx's resolver, too,
        // moves on to the next server when one is silent). No retries on the same server.
        Timeout = TimeSpan.FromTicks(Math.Max(timeout.Ticks / (2 * servers.Count), TimeSpan.TicksPerMillisecond)),
        Retries = 0,
        // UDP first, TCP when the answer is truncated (RFC 7766 §5), like any stub resolver.
        UseTcpFallback = true,
        // NXDOMAIN and SERVFAIL are answers to report, not exceptions, and (as in nginx) not a reason to ask the
        // next server; neither is an empty answer.
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        ContinueOnEmptyResponse = false,
        // nginx's resolver caches answers for their TTL too.
        UseCache = true,
        EnableAuditTrail = false,
    });
}
