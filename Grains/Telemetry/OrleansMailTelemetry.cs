using System.Diagnostics;

namespace OrleansMail.Grains.Telemetry;

/// <summary>
/// The names under which OrleansMail publishes its telemetry (README "Observability"): one meter, <c>OrleansMail</c>,
/// for every instrument of the Frontend and the grains, and one activity source of the same name for the login trace.
/// Instruments are created through <see cref="System.Diagnostics.Metrics.IMeterFactory"/> with <see cref="MeterName"/>,
/// so that each host (and each test's host) has its own meter.
/// </summary>
public static class OrleansMailTelemetry
{
    /// <summary>The meter of every OrleansMail instrument.</summary>
    public const string MeterName = "OrleansMail";

    /// <summary>The activity source of the login trace (front end session, upstream connect).</summary>
    public const string ActivitySourceName = "OrleansMail";

    /// <summary>Starts the spans of the login trace; no cost when nothing listens.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
