using System.Net;
using OrleansMail.Grains.Hosting;

namespace OrleansMail.Tests.Grains;

/// <summary>
/// The cluster with the login policy on (cache, negative cache, stale-if-error, local digest checks, throttling with
/// a trusted network).
/// </summary>
public sealed class LoginPolicyClusterFixture() : VirtualTimeClusterFixture(Policy)
{
    /// <summary>The trusted network (a webmail front).</summary>
    public const string TrustedNetwork = "198.51.100.0/24";

    public static readonly LoginPolicySettings Policy = new()
    {
        AuthCacheTtl = TimeSpan.FromSeconds(60),
        AuthCacheNegativeTtl = TimeSpan.FromSeconds(2),
        AuthCacheStaleIfError = TimeSpan.FromMinutes(10),
        AuthCacheDigestLocal = true,
        BruteforceLoginThreshold = 5,
        BruteforceAddressThreshold = 20,
        BruteforceWindow = TimeSpan.FromMinutes(15),
        TrustedNetworks = [IPNetwork.Parse(TrustedNetwork)],
    };
}

/// <summary>The collection sharing one <see cref="LoginPolicyClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class LoginPolicyClusterCollection : ICollectionFixture<LoginPolicyClusterFixture>
{
    public const string Name = "login-policy-cluster";
}
