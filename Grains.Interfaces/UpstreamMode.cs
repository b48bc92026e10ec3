namespace OrleansMail.Grains.Interfaces;

/// <summary>What the operator decided for one pool upstream (admin API); kept across silo restarts.</summary>
[GenerateSerializer, Alias("mail.UpstreamMode")]
public enum UpstreamMode
{
    /// <summary>In service: users are placed here while it is healthy.</summary>
    Active = 0,

    /// <summary>
    /// No new users are placed here; sessions already relayed to it go on (the relay is the front end's, it never
    /// asks again). Still a last resort when every active upstream of the pool is down.
    /// </summary>
    Draining = 1,

    /// <summary>Out of service: never chosen, not even as a last resort.</summary>
    Maintenance = 2,
}
