namespace OrleansMail.Grains.Interfaces;

/// <summary>What one upstream's grain knows: the operator's mode and the checks' verdict.</summary>
/// <param name="Protocol">The pool it belongs to.</param>
/// <param name="Address">host:port, as configured.</param>
/// <param name="Mode">The operator's mode.</param>
/// <param name="Healthy">The checks' verdict (active probes and passive reports).</param>
/// <param name="ConsecutiveFailures">Failed checks and reported connect failures since the last success.</param>
/// <param name="LastError">Why the last check failed, if it did.</param>
/// <param name="LastCheck">When the last active check finished, if one ran.</param>
/// <param name="Since">When <paramref name="Healthy"/> last changed (or the grain started).</param>
[GenerateSerializer, Immutable, Alias("mail.UpstreamStatus")]
public sealed record UpstreamStatus(
    [property: Id(0)] MailProtocol Protocol,
    [property: Id(1)] string Address,
    [property: Id(2)] UpstreamMode Mode,
    [property: Id(3)] bool Healthy,
    [property: Id(4)] int ConsecutiveFailures,
    [property: Id(5)] string? LastError,
    [property: Id(6)] DateTimeOffset? LastCheck,
    [property: Id(7)] DateTimeOffset Since)
{
    /// <summary>The one-word state: maintenance and draining (the operator's) win over health.</summary>
    public UpstreamState State => Mode switch
    {
        UpstreamMode.Maintenance => UpstreamState.Maintenance,
        UpstreamMode.Draining => UpstreamState.Draining,
        _ => Healthy ? UpstreamState.Up : UpstreamState.Down,
    };
}
