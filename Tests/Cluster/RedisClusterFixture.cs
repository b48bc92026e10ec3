namespace OrleansMail.Tests.Cluster;

/// <summary>
/// README "Running a cluster" in its smallest form: one Silo process and two Frontend processes on Redis clustering,
/// with Dovecot's alice, bob, carol and erin (see <see cref="ClusterDeployment"/>).
/// </summary>
public sealed class RedisClusterFixture() : ClusterDeployment(siloCount: 1)
{
    /// <summary>The one Silo process.</summary>
    public SiloProcess Silo => Silos[0];
}
