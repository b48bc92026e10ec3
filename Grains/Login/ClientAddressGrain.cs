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
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
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
    /// revoked first, since the next activation will not know their holders. Not when the last silo of the cluster
    /// shuts down (a Frontend's embedded silo): every holder is a login grain of this silo and goes with it, and a call
    /// to one already gone would only make Orleans fail to place a new activation, with an error and its stack trace
    /// on the operator's console for each holder.
    /// </remarks>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _sessions.Clear();
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !OtherSilosActive()) _holders.Clear();
        else await RevokeLeasesAsync();
    }

    private bool OtherSilosActive() =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(localSilo.SiloAddress));

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
