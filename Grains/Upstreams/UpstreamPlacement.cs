using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Upstreams;

/// <summary>
/// Chooses a pool upstream for an allowed login when the auth server named none (or the operator prefers pools):
/// the login's rendezvous order over the pool (<see cref="RendezvousHash"/>), healthy active upstreams first, then
/// the last resorts: drained ones still up, then ones the checks think down (the copy may be a refresh old; trying
/// beats refusing). Maintenance is never chosen. The decision carries the next <see cref="UpstreamPoolSettings.Tries"/>
/// − 1 as fallbacks, so a front end that cannot connect needs no second grain call.
/// </summary>
public sealed class UpstreamPlacement(UpstreamPoolSettings settings, UpstreamHealthCache health)
{
    /// <summary>Whether the protocol has a pool, so the auth server may leave Auth-Server/Auth-Port out.</summary>
    public bool HasPool(MailProtocol protocol) => settings.Pool(protocol).Count > 0;

    /// <summary>The decision with its upstream chosen from the pool, or as it was when the pool does not apply.</summary>
    public LoginDecision Place(MailProtocol protocol, LoginDecision decision)
    {
        if (decision.Outcome != LoginOutcome.Allowed) return decision;
        var named = decision.UpstreamHost is not null;
        if (!HasPool(protocol) || (named && !settings.Prefer)) return decision;

        var order = Candidates(protocol, decision.UpstreamLogin ?? "");
        if (order.Count == 0)
        {
            return named ? decision : LoginDecision.InternalError($"no upstream of the {protocol.ToString().ToLowerInvariant()} pool is in service");
        }

        return decision with
        {
            UpstreamHost = order[0].Host,
            UpstreamPort = order[0].Port,
            UpstreamFallbacks = order.Skip(1).Take(settings.Tries - 1).Select(u => u.Address).ToArray(),
        };
    }

    /// <summary>
    /// The pool in the login's order of preference, by rank. The login is hashed case-insensitively: mail servers
    /// treat <c>Alice</c> and <c>alice</c> as one mailbox (Dovecot's <c>%Lu</c>), which must live on one backend.
    /// </summary>
    public IReadOnlyList<PoolUpstream> Candidates(MailProtocol protocol, string login) =>
        RendezvousHash.Order(login.ToLowerInvariant(), settings.Pool(protocol), u => u.Address)
            .Select(u => (Upstream: u, Rank: Rank(health.Get(protocol, u.Address))))
            .Where(c => c.Rank >= 0)
            .OrderBy(c => c.Rank) // stable: the rendezvous order holds within a rank
            .Select(c => c.Upstream)
            .ToList();

    private static int Rank(UpstreamStatus? status) => status switch
    {
        null => 0,
        { Mode: UpstreamMode.Maintenance } => -1,
        { Mode: UpstreamMode.Active, Healthy: true } => 0,
        { Mode: UpstreamMode.Draining, Healthy: true } => 1,
        { Mode: UpstreamMode.Active } => 2,
        _ => 3,
    };
}
