using OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;
using OrleansMail.Grains.Upstreams;

namespace OrleansMail.Grains.Admin;

/// <summary>The admin operations on pool upstreams: list their states, drain, maintenance, back in service.</summary>
public sealed class UpstreamAdministration(IGrainFactory grains, UpstreamPoolSettings settings, UpstreamHealthCache cache)
{
    /// <summary>Every pool upstream's status, asked of its grain (the truth, not this silo's copy).</summary>
    public async Task<IReadOnlyList<UpstreamStatus>> ListAsync() =>
        await Task.WhenAll(settings.All().Select(p => Grain(p.Protocol, p.Upstream.Address).Status()));

    /// <summary>
    /// Sets the mode of <paramref name="address"/> in every pool that lists it (or only <paramref name="protocol"/>'s);
    /// null when no pool lists it. This silo's cache is refreshed at once; the others follow within a refresh.
    /// </summary>
    public async Task<IReadOnlyList<UpstreamStatus>?> SetModeAsync(string address, MailProtocol? protocol, UpstreamMode mode)
    {
        var matching = settings.All()
            .Where(p => (protocol is null || p.Protocol == protocol) && Matches(p.Upstream, address))
            .ToList();
        if (matching.Count == 0) return null;
        var statuses = await Task.WhenAll(matching.Select(p => Grain(p.Protocol, p.Upstream.Address).SetMode(mode)));
        await cache.RefreshAsync();
        return statuses;
    }

    /// <summary>The address as configured, or as typed by an operator (IPv6 with or without brackets, any case).</summary>
    private static bool Matches(PoolUpstream upstream, string address) =>
        PoolUpstream.TryParse(address, out var given) && given.Address == upstream.Address;

    private IUpstreamGrain Grain(MailProtocol protocol, string address) => grains.GetGrain<IUpstreamGrain>(UpstreamKey.For(protocol, address));
}
