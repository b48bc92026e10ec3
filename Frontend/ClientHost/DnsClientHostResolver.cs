using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using OrleansMail.Frontend.Configuration;

namespace OrleansMail.Frontend.ClientHost;

/// <summary>
/// nginx's SMTP client-host lookup (src/mail/ngx_mail_smtp_handler.c, ngx_mail_smtp_resolve_addr/_name) on DnsClient: a PTR lookup
/// of the client's address, then an A (IPv4 client) or AAAA (IPv6 client) lookup of the PTR name that must contain
/// the client's address. <c>resolver_timeout</c> bounds the whole lookup, PTR and forward together, so the greeting
/// is never delayed by more than that (nginx applies it to each of the two lookups).
/// </summary>
/// <remarks>
/// Several PTR records: nginx uses the first one in the answer. We try them in answer order (at most
/// <see cref="MaxNamesTried"/>) and take the first that is valid and forward-confirms, because a host with several
/// names is legitimate and the confirmed one is the one the auth server can trust; when none does, any temporary
/// failure or invalid name makes the result <c>[TEMPUNAVAIL]</c>, else it is <c>[UNAVAILABLE]</c>. With a single PTR
/// record this is exactly nginx's outcome.
/// </remarks>
internal sealed partial class DnsClientHostResolver(TimeProvider time, ILogger<DnsClientHostResolver> logger) : IClientHostResolver
{
    /// <summary>Shared by all connections: this resolver is a singleton.</summary>
    internal DnsLookupClients LookupClients { get; } = new();

    /// <summary>An attacker's reverse zone may list many names; each costs a forward query within the deadline.</summary>
    internal const int MaxNamesTried = 8;

    /// <inheritdoc />
    public async Task<string> ResolveAsync(EndPoint? client, SmtpSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Resolver.Count == 0)
        {
            return ClientHostNames.Unavailable;
        }

        if (client is not IPEndPoint endpoint)
        {
            // nginx: a unix-socket client has no address to look up.
            return ClientHostNames.TemporarilyUnavailable;
        }

        var address = Normalize(endpoint.Address);
        var lookup = LookupClients.For(settings.Resolver, settings.ResolverTimeout);
        using var deadline = new CancellationTokenSource(settings.ResolverTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await ResolveAsync(lookup, address, linked.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Timeouts (the deadline, or DnsClient's own), unreachable servers, malformed answers: all temporary.
            LogNotResolved(address, deadline.IsCancellationRequested ? "timed out" : e.Message);
            return ClientHostNames.TemporarilyUnavailable;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The client went away during the lookup; DnsClient reports that as a timeout.
            throw new OperationCanceledException("the client closed the connection during the DNS lookup", e, cancellationToken);
        }
    }

    private async Task<string> ResolveAsync(ILookupClient lookup, IPAddress address, CancellationToken cancellationToken)
    {
        var reverse = await lookup.QueryReverseAsync(address, cancellationToken);
        if (reverse.HasError)
        {
            LogNotResolved(address, Describe(reverse));
            return Unanswered(reverse);
        }

        var names = reverse.Answers.PtrRecords().Take(MaxNamesTried).ToList();
        if (names.Count == 0)
        {
            // nginx's resolver treats an answer without a PTR record as "Host not found".
            LogNotResolved(address, "no PTR record");
            return ClientHostNames.Unavailable;
        }

        var result = ClientHostNames.Unavailable;
        foreach (var record in names)
        {
            // Value is the presentation form: bytes other than printable ASCII come as \DDD escapes, so a name with
            // CR, LF or non-ASCII bytes cannot pass the syntax check below. nginx drops the root's trailing dot.
            var name = record.PtrDomainName.Value;
            name = name.EndsWith('.') ? name[..^1] : name;
            if (!ClientHostNameSyntax.IsValid(name))
            {
                LogInvalidName(address, ClientHostNameSyntax.EscapeForLog(name));
                result = ClientHostNames.TemporarilyUnavailable;
                continue;
            }

            var confirmation = await ConfirmAsync(lookup, address, name, cancellationToken);
            if (confirmation == null)
            {
                LogResolved(address, name);
                return name;
            }

            if (confirmation == ClientHostNames.TemporarilyUnavailable)
            {
                result = confirmation;
            }
        }

        return result;
    }

    /// <summary>Null when the forward lookup of <paramref name="name"/> contains the address, else the placeholder.</summary>
    private async Task<string?> ConfirmAsync(ILookupClient lookup, IPAddress address, string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse forward;
        try
        {
            var type = address.AddressFamily == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
            forward = await lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // This name only (e.g. an empty label DnsClient refuses, or a server error); another PTR name may work.
            LogNameNotResolved(name, e.Message);
            return ClientHostNames.TemporarilyUnavailable;
        }

        if (forward.HasError)
        {
            LogNameNotResolved(name, Describe(forward));
            return Unanswered(forward);
        }

        var addresses = forward.Answers.OfType<AddressRecord>().Select(r => Normalize(r.Address));
        if (addresses.Contains(address))
        {
            return null;
        }

        LogNotConfirmed(address, name);
        return ClientHostNames.Unavailable;
    }

    /// <summary>nginx: NXDOMAIN means no name (<c>[UNAVAILABLE]</c>); any other DNS error may pass (<c>[TEMPUNAVAIL]</c>).</summary>
    private static string Unanswered(IDnsQueryResponse response) =>
        response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
            ? ClientHostNames.Unavailable
            : ClientHostNames.TemporarilyUnavailable;

    private static string Describe(IDnsQueryResponse response) =>
        $"{(int)response.Header.ResponseCode}: {response.ErrorMessage}";

    /// <summary>
    /// An IPv4-mapped IPv6 client (a dual-stack listener) is an IPv4 client: its PTR is under in-addr.arpa and its
    /// name must have an A record. The scope of a link-local address is not part of what DNS returns.
    /// </summary>
    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;
}
