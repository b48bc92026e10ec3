using System.Net;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The cluster with small session limits and a short lease TTL, so limits are reached with a few logins and expiry
/// is stepped through on virtual time: 2 per login and address, 3 per login, 4 per address (trusted network exempt), TTL 3 s.
/// </summary>
public sealed class SessionLimitClusterFixture() : VirtualTimeClusterFixture(Policy)
{
    public const string TrustedNetwork = "198.51.100.0/24";

    public static readonly LoginPolicySettings Policy = new()
    {
        SessionLimitPerLoginAddress = 2,
        SessionLimitPerLogin = 3,
        SessionLimitPerAddress = 4,
        SessionLeaseTtl = TimeSpan.FromSeconds(3),
        TrustedNetworks = [IPNetwork.Parse(TrustedNetwork)],
    };
}

/// <summary>The collection sharing one <see cref="SessionLimitClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SessionLimitClusterCollection : ICollectionFixture<SessionLimitClusterFixture>
{
    public const string Name = "session-limit-cluster";
}
