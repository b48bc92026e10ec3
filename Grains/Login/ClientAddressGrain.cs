using OrleansMail.Grains.Hosting;
using Hosting = OrleansMail.Grains.Hosting;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Counts distinct wrong (login, secret) pairs from one address prefix across every login, so that an address that
/// sprays many logins is throttled for all of them (<see cref="LoginPolicySettings.BruteforceAddressThreshold"/>).
/// Each new failure is written to storage before the reply, so the count survives a silo crash.
/// </summary>
[GrainType(GrainTypeName)]
internal sealed partial class ClientAddressGrain(
    [PersistentState("address", Hosting.SiloBuilderExtensions.StorageName)] IPersistentState<ClientAddressState> state,
    LoginPolicySettings settings,
    TimeProvider time) : Grain, IClientAddressGrain
{
    public const string GrainTypeName = "clientaddress";

    public Task<bool> IsThrottled()
    {
        state.State.Failures.Prune(time.GetUtcNow(), settings.BruteforceWindow);
        return Task.FromResult(state.State.Failures.IsThrottled(settings.BruteforceAddressThreshold));
    }

    public async Task<bool> RecordFailure(byte[] loginSecretHash)
    {
        var failures = state.State.Failures;
        var now = time.GetUtcNow();
        var pruned = failures.Prune(now, settings.BruteforceWindow);
        if (failures.Add(loginSecretHash, now) || pruned) await state.WriteStateAsync();
        return failures.IsThrottled(settings.BruteforceAddressThreshold);
    }

    public async Task Unblock()
    {
        state.State.Failures.Entries.Clear();
        await state.WriteStateAsync();
    }

    public Task<int> DistinctFailures()
    {
        state.State.Failures.Prune(time.GetUtcNow(), settings.BruteforceWindow);
        return Task.FromResult(state.State.Failures.Entries.Count);
    }
}
