namespace OrleansMail.Tests.Cluster;

/// <summary>
/// The login policy's deployment (README "LoginPolicy") across processes: two Silo processes and two Frontend processes
/// on Redis, the decision cache on with a short TTL (<see cref="CacheTtl"/>), the default brute-force thresholds and at
/// most two sessions per login across the cluster, a 5-minute repeat window; the other rules (Auth-Wait per prefix, the
/// guessing budget of 50 per hour, login_case) at their defaults.
/// </summary>
public sealed class TwoSiloClusterFixture() : ClusterDeployment(siloCount: 2, siloSettings: new Dictionary<string, string>
{
    ["LoginPolicy:auth_cache_ttl"] = "8s",
    ["LoginPolicy:bruteforce_login_threshold"] = "5",
    ["LoginPolicy:bruteforce_address_threshold"] = "20",
    ["LoginPolicy:session_limit_per_login"] = "2",
    // Longer than the silo crashes of ClusterAttackTests take, so a repeat refused before them is still refused after.
    ["LoginPolicy:bruteforce_repeat_window"] = "5m",
    // One key for every silo, as a production cluster sets it: a grain that moves recognises the hashes it stored.
    ["LoginPolicy:secret_hash_key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
},
    users: [("alice", "alice-password"), ("bob", "bob-password"), ("carol", "carol-password"), ("erin", "erin-password"),
        ("frank", "frank-password"), ("grace", "grace-password"), ("heidi", "heidi-password")])
{
    /// <summary>The decision cache's TTL in this deployment.</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(8);
}
