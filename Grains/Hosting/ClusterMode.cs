namespace OrleansMail.Grains.Hosting;

/// <summary>How a process finds the Orleans cluster (<c>Cluster:Mode</c>).</summary>
public enum ClusterMode
{
    /// <summary>Frontend only: host a single silo in-process (localhost clustering, memory storage). The default.</summary>
    Embedded,

    /// <summary>Development clustering on loopback: a Silo with <c>Localhost</c> mode and Frontends that connect to its gateway.</summary>
    Localhost,

    /// <summary>Production: membership and grain state in Redis.</summary>
    Redis,
}
