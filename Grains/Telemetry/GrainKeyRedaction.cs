using System.Diagnostics;
using OpenTelemetry;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// Takes the keys out of the grain ids Orleans puts on its spans (<c>orleans.rpc.target_id</c>,
/// <c>orleans.rpc.source_id</c>): an OrleansMail grain's key is a login (<c>userlogin/alice</c>) or a client address
/// prefix, which a trace must not carry (README "Observability": no login unless <c>Telemetry:TraceLogins</c>). The
/// grain type stays (<c>userlogin/…</c>), so a span still says which kind of grain it reached.
/// </summary>
public sealed class GrainKeyRedaction : BaseProcessor<Activity>
{
    private static readonly string[] GrainIdTags = ["orleans.rpc.target_id", "orleans.rpc.source_id"];

    public override void OnEnd(Activity data)
    {
        foreach (var tag in GrainIdTags)
        {
            if (data.GetTagItem(tag) is string id && id.IndexOf('/') is var slash and >= 0 && slash < id.Length - 1)
                data.SetTag(tag, id[..(slash + 1)] + "…");
        }
    }
}
