using Orleans.Concurrency;

namespace OrleansMail.Grains.Interfaces;

/// <summary>
/// One upstream of a protocol's pool (key: <see cref="UpstreamKey"/>): the cluster's single owner of its health.
/// It probes the upstream with the protocol's greeting on a timer (active checks), counts the connect failures
/// front ends report (passive checks), and holds the operator's drain and maintenance mode.
/// </summary>
[Alias("mail.IUpstreamGrain")]
public interface IUpstreamGrain : IGrainWithStringKey
{
    /// <summary>The current state; each silo's health cache polls this, so it never waits behind a running probe.</summary>
    [Alias("Status"), AlwaysInterleave]
    Task<UpstreamStatus> Status();

    /// <summary>A front end could not connect: counts as a failed check. Lossy by design (one-way).</summary>
    [Alias("ReportConnectFailure"), OneWay]
    Task ReportConnectFailure(string reason);

    /// <summary>The operator's drain or maintenance (admin API); persisted before it returns.</summary>
    [Alias("SetMode")]
    Task<UpstreamStatus> SetMode(UpstreamMode mode);
}
