namespace OrleansMail.Grains.Interfaces;

/// <summary>One pool upstream's state as the admin API shows it: the operator's mode first, then health.</summary>
[GenerateSerializer, Alias("mail.UpstreamState")]
public enum UpstreamState
{
    /// <summary>Active and passing its checks.</summary>
    Up = 0,

    /// <summary>Active but failing its checks (or connect failures reported by front ends).</summary>
    Down = 1,

    /// <summary>Drained by the operator (<see cref="UpstreamMode.Draining"/>).</summary>
    Draining = 2,

    /// <summary>In maintenance (<see cref="UpstreamMode.Maintenance"/>).</summary>
    Maintenance = 3,
}
