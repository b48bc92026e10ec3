using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OrleansMail.Grains.Configuration;
using OrleansMail.Grains.Login;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The trace exporter's processor that takes grain keys out of Orleans' own spans. Orleans names the grains it calls
/// (<c>orleans.rpc.target_id</c>, <c>orleans.rpc.source_id</c>, <c>orleans.grain.id</c>,
/// <c>orleans.directory.registered.address</c>), and a login grain's key is the login, an address grain's the client's
/// address prefix: exported as they are, every login trace would carry both, which README "Observability" promises it
/// never does. Each such value becomes the grain type and <c>(redacted)</c>, so a span still says which kind of grain
/// it reached; login grains keep their key when the operator sets <c>Telemetry:TraceLogins</c>, addresses never do.
/// </summary>
public sealed class GrainKeyRedaction(bool keepLogins) : BaseProcessor<Activity>
{
    private const string LoginGrain = UserLoginGrain.GrainTypeName + "/";
    private const string AddressGrain = ClientAddressGrain.GrainTypeName + "/";

    /// <summary><c>Telemetry:TraceLogins</c> (or <c>trace_logins</c>), the <c>Telemetry</c> section's only key.</summary>
    public static bool TraceLogins(IConfiguration configuration)
    {
        var section = SettingsSection.Of(configuration, "Telemetry", SettingsSection.SnakeCase);
        var traceLogins = section.Bool("TraceLogins", false);
        section.RefuseUnknownKeys();
        return traceLogins;
    }

    public override void OnEnd(Activity data) => Redact(data, keepLogins);

    /// <summary>Replaces every attribute value naming an address grain, and unless <paramref name="keepLogins"/> a login grain.</summary>
    public static void Redact(Activity activity, bool keepLogins = false)
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
