using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The address threshold without a call per login (README "Login policy", "The address threshold without a call per
/// login"). A login grain asks once and gets a lease on "not throttled" for <see cref="LeaseTtl"/>; this grain keeps
/// the holders in memory and, when a failure takes the prefix past the threshold, calls every holder to revoke its
/// lease and waits for them all before that failure's <see cref="RecordFailure"/> returns, so once the refusal that
/// crossed the threshold is sent, no login grain answers from a lease any more. While throttled it grants no lease
/// (each attempt asks, so the window's end and an admin Unblock take effect at once).
/// <para>
/// The holders live in this activation's memory only. A lease must not outlive that memory: <see cref="LeaseTtl"/> is
/// shorter than Orleans' idle collection age (15 minutes), and every grant is a call that keeps the activation alive,
/// so idle collection never forgets a live lease; any other deactivation (shutdown, an admin's deactivation) revokes
/// every lease first. Only a crash of this grain's silo loses the holders: their leases then run out within
/// <see cref="LeaseTtl"/>, the bound on staleness the README states.
/// </para>
/// </summary>
internal sealed partial class ClientAddressGrain
{
    /// <summary>How long a login grain may reuse "not throttled"; the bound on staleness after this grain's silo crashes.</summary>
    internal static readonly TimeSpan LeaseTtl = TimeSpan.FromMinutes(5);

    /// <summary>Beyond this many holders (a NAT address with thousands of users) an answer carries no lease: still right, one call per login.</summary>
    private const int MaxHolders = 10_000;

    private readonly Dictionary<GrainId, Holder> _holders = [];

    /// <inheritdoc />
    public Task<AddressThrottleLease> LeaseThrottleState(IUserLoginGrain holder)
    {
        var now = time.GetUtcNow();
        state.State.Failures.Prune(now, settings.BruteforceWindow);
        if (state.State.Failures.IsThrottled(settings.BruteforceAddressThreshold)) return Task.FromResult(new AddressThrottleLease(true, TimeSpan.Zero));

        if (_holders.Count >= MaxHolders) PruneHolders(now);
        if (_holders.Count >= MaxHolders) return Task.FromResult(new AddressThrottleLease(false, TimeSpan.Zero));
        // Kept from now, after the holder sent its request: the holder counts its lease from before, so ours ends later.
        _holders[holder.GetGrainId()] = new Holder(holder, now + LeaseTtl);
        return Task.FromResult(new AddressThrottleLease(false, LeaseTtl));
    }

    /// <summary>Takes back every live lease, waiting until each holder has dropped it (or could not be reached).</summary>
    private async Task RevokeLeasesAsync()
    {
        PruneHolders(time.GetUtcNow());
        if (_holders.Count == 0) return;
        var holders = _holders.Values.Select(h => h.Grain).ToList();
        _holders.Clear();
        var prefix = this.GetPrimaryKeyString();
        await Task.WhenAll(holders.Select(h => RevokeAsync(h, prefix)));
    }

    private async Task RevokeAsync(IUserLoginGrain holder, string prefix)
    {
        try
        {
            await holder.RevokeAddressLease(prefix);
        }
        catch (Exception e)
        {
            // Its silo died (the lease died with it) or cannot be reached in time: the lease then ends by its TTL.
            LogRevokeFailed(prefix, e.GetType().Name);
        }
    }

    private void PruneHolders(DateTimeOffset now)
    {
        foreach (var (id, holder) in _holders)
            if (holder.Until <= now) _holders.Remove(id);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "revoking a login grain's address lease for {AddressPrefix} failed ({Error}); it ends within its TTL")]
    private partial void LogRevokeFailed(string addressPrefix, string error);

    private readonly record struct Holder(IUserLoginGrain Grain, DateTimeOffset Until);
}
