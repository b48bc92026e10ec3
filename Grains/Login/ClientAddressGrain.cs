using Microsoft.Extensions.Logging;
using OrleansMail.Grains.Hosting;
using Hosting = OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Counts distinct wrong (login, secret) pairs from one address prefix across every login, so that an address that
/// sprays many logins is throttled for all of them (<see cref="LoginPolicySettings.BruteforceAddressThreshold"/>).
/// Each new failure is written to storage before the reply, so the count survives a silo crash. Login grains learn
/// whether the prefix is throttled through a lease revoked when the threshold is crossed (ClientAddressGrain.Leases.cs),
/// not with a call per login.
/// </summary>
[GrainType(GrainTypeName)]
internal sealed partial class ClientAddressGrain(
    [PersistentState("address", Hosting.SiloBuilderExtensions.StorageName)] IPersistentState<ClientAddressState> state,
    LoginPolicySettings settings,
    TimeProvider time,
    Telemetry.GrainMetrics metrics,
    ILogger<ClientAddressGrain> logger) : Grain, IClientAddressGrain
{
    public const string GrainTypeName = "clientaddress";

    /// <inheritdoc />
    public async Task<bool> RecordFailure(byte[] loginSecretHash)
    {
        var now = time.GetUtcNow();
        // '|', not '||': pruning and adding must both run.
        await state.UpdateAsync(s => s.Failures.Prune(now, settings.BruteforceWindow) | s.Failures.Add(loginSecretHash, now));
        var throttled = state.State.Failures.IsThrottled(settings.BruteforceAddressThreshold);
        // Leases exist only while not throttled: this failure crossed the threshold. No holder may answer from its
        // lease once this failure's refusal is sent.
        if (throttled) await RevokeLeasesAsync();
        return throttled;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The session leases go with the activation (renewals bring them back to the next one); the throttle leases are
    /// revoked first, since the next activation will not know their holders.
    /// </remarks>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _sessions.Clear();
        await RevokeLeasesAsync();
    }

    public async Task Unblock()
    {
        await state.UpdateAsync(s =>
        {
            s.Failures.Entries.Clear();
            return true;
        });
    }

    public Task<int> DistinctFailures()
    {
        state.State.Failures.Prune(time.GetUtcNow(), settings.BruteforceWindow);
        return Task.FromResult(state.State.Failures.Entries.Count);
    }
}
