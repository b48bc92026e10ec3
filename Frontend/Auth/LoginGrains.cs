using Orleans.Runtime;
using OrleansMail.Grains.Interfaces;

namespace OrleansMail.Frontend.Auth;

/// <summary>
/// References to login grains without Orleans' type resolution per call: <c>GetGrain&lt;T&gt;(key)</c> works out the
/// interface's grain type by convention every time (reflection over its custom attributes; 2.7 % of a cold login's
/// CPU and 1.2 KB of its allocations, docs/performance/login-profile.md). Once a call through a reference has
/// succeeded, its grain type and interface type are kept and every later reference is built from them and the key;
/// a reference a call has not gone through yet is never kept (before the cluster's type map is known, Orleans hands
/// out a stub type).
/// </summary>
internal sealed class LoginGrains(IGrainFactory grains)
{
    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    private ResolvedTypes? _resolved;

    /// <summary>The login grain for <paramref name="key"/> (<see cref="LoginGrainKey"/>).</summary>
    public IUserLoginGrain For(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return _resolved is { } types
            ? (IUserLoginGrain)grains.GetGrain(GrainId.Create(types.Grain, IdSpan.Create(key)), types.Interface)
            : grains.GetGrain<IUserLoginGrain>(key);
    }

    /// <summary>A call through <paramref name="grain"/> succeeded: its types are the cluster's, keep them.</summary>
    public void Succeeded(IUserLoginGrain grain)
    {
        if (_resolved is null && grain is GrainReference reference)
            _resolved = new ResolvedTypes(reference.GrainId.Type, reference.InterfaceType);
    }
}
