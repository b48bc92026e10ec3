using System.Diagnostics;
using OrleansMail.Grains.Login;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// Orleans' own spans name the grains they call (<c>orleans.rpc.target_id</c>, <c>orleans.rpc.source_id</c>,
/// <c>orleans.grain.id</c>, <c>orleans.directory.registered.address</c>), and a login grain's key is the login, an
/// address grain's the client's address prefix: exported as they are, every login trace would carry both, which
/// README "Observability" promises it never does unless the operator asks (<c>Telemetry:TraceLogins</c>). The trace
/// exporter's processor calls <see cref="RedactGrainKeys"/> on every span as it ends.
/// </summary>
public static class TraceRedaction
{
    private const string LoginGrain = UserLoginGrain.GrainTypeName + "/";
    private const string AddressGrain = ClientAddressGrain.GrainTypeName + "/";

    /// <summary>
    /// Replaces each attribute value naming an address grain, and unless <paramref name="keepLogins"/> a login grain,
    /// by the grain type and <c>(redacted)</c>; the span keeps its shape (which grain type, which method).
    /// </summary>
    public static void RedactGrainKeys(Activity activity, bool keepLogins = false)
    {
        List<KeyValuePair<string, string>>? redacted = null;
        foreach (var (key, value) in activity.TagObjects)
        {
            if (value is not string text) continue;
            var replacement = text.Contains(AddressGrain, StringComparison.Ordinal) ? AddressGrain + "(redacted)"
                : !keepLogins && text.Contains(LoginGrain, StringComparison.Ordinal) ? LoginGrain + "(redacted)"
                : null;
            if (replacement is not null) (redacted ??= []).Add(new(key, replacement));
        }

        // Not while enumerating the tags: SetTag changes the list.
        if (redacted is null) return;
        foreach (var (key, value) in redacted) activity.SetTag(key, value);
    }
}
