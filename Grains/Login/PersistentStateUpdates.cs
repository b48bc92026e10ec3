using Orleans.Storage;

namespace OrleansMail.Grains.Login;

/// <summary>
/// Writes a grain's state so that a second activation of the same grain cannot make it lose an update (README
/// "Consistency"). Storage checks the ETag on every write: when another activation wrote first, the write fails with
/// <see cref="InconsistentStateException"/>; the state is then read back (now holding the other activation's update)
/// and the same change is applied to it again. The changes made this way (add a distinct wrong secret, forget a
/// prefix, clear) are idempotent, so re-applying one is always right.
/// </summary>
internal static class PersistentStateUpdates
{
    /// <summary>Conflicts in a row before giving up: two activations only coexist for moments, so one retry nearly always suffices.</summary>
    private const int MaxAttempts = 4;

    /// <summary>Applies <paramref name="change"/> (which says whether it changed anything) and writes when it did.</summary>
    public static async Task UpdateAsync<T>(this IPersistentState<T> state, Func<T, bool> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!change(state.State)) return;
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (InconsistentStateException) when (attempt < MaxAttempts)
            {
                await state.ReadStateAsync();
            }
        }
    }
}
