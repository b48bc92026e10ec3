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
    TimeProvider time,
    Telemetry.GrainMetrics metrics) : Grain, IClientAddressGrain
{
    public const string GrainTypeName = "clientaddress";

    public Task<bool> IsThrottled()
    {
        state.State.Failures.Prune(time.GetUtcNow(), settings.BruteforceWindow);
        return Task.FromResult(state.State.Failures.IsThrottled(settings.BruteforceAddressThreshold));
    }

    public async Task<bool> RecordFailure(byte[] loginSecretHash)
    {
        var now = time.GetUtcNow();
        // '|', not '||': pruning and adding must both run.
        await state.UpdateAsync(s => s.Failures.Prune(now, settings.BruteforceWindow) | s.Failures.Add(loginSecretHash, now));
        return state.State.Failures.IsThrottled(settings.BruteforceAddressThreshold);
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
