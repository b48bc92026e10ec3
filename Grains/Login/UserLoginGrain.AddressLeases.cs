using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// The address threshold (<c>bruteforce_address_threshold</c>) without a call per login (README "Login policy", "The
/// address threshold without a call per login"): "this prefix is not throttled" is leased from the prefix's grain once
/// (<see cref="IClientAddressGrain.LeaseThrottleState"/>) and reused until it ends or the address grain revokes it
/// (<see cref="RevokeAddressLease"/>), which it does, and waits for, before the failure that crosses the threshold is
/// answered. A warm login from a prefix with a lease is one grain call: the front end's. A throttled prefix gets no
/// lease, so each of its attempts asks, and the window's end or an Unblock take effect at once.
/// </summary>
internal sealed partial class UserLoginGrain
{
    /// <summary>A login is used from a handful of prefixes; past this many, expired leases are dropped, and new ones not kept while full.</summary>
    private const int MaxAddressLeases = 64;

    /// <summary>Prefix → end of its "not throttled" lease, counted from before the address grain was asked.</summary>
    private readonly Dictionary<string, DateTimeOffset> _addressLeases = new(StringComparer.Ordinal);

    /// <summary>Revocations received by this activation: a lease granted while one arrived is used once, not kept.</summary>
    private long _addressLeaseRevocations;

    /// <summary>Whether <paramref name="prefix"/> is past the address threshold: from the lease when one is live, else asked.</summary>
    private async ValueTask<bool> AddressThrottledAsync(string prefix, DateTimeOffset now)
    {
        if (_addressLeases.TryGetValue(prefix, out var until))
        {
            if (now < until) return false;
            _addressLeases.Remove(prefix);
        }

        var revocations = _addressLeaseRevocations;
        var answer = await AddressGrain(prefix).LeaseThrottleState(this.AsReference<IUserLoginGrain>());
        // A revocation that came in while the answer was on its way may be for this very lease (the address grain
        // registered us, then crossed the threshold): the answer held when it was given, but is not kept.
        if (!answer.Throttled && answer.Lease > TimeSpan.Zero && revocations == _addressLeaseRevocations)
        {
            if (_addressLeases.Count >= MaxAddressLeases) DropExpiredAddressLeases(now);
            if (_addressLeases.Count < MaxAddressLeases) _addressLeases[prefix] = now + answer.Lease;
        }
        return answer.Throttled;
    }

    /// <inheritdoc />
    public Task RevokeAddressLease(string addressPrefix)
    {
        _addressLeaseRevocations++;
        _addressLeases.Remove(addressPrefix);
        return Task.CompletedTask;
    }

    private void DropExpiredAddressLeases(DateTimeOffset now)
    {
        foreach (var (prefix, until) in _addressLeases)
            if (until <= now) _addressLeases.Remove(prefix);
    }
}
